// empty: the baseline. Makes no allocation of its own and exits 0.
//
// Whatever a capture of this program contains is start-up and shut-down noise of the C
// runtime under the shim; the integration tests subtract it from the other C examples.
int main(void)
{
    return 0;
}
