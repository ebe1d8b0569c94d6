// big_heap: 1 M live blocks at once, freed in a shuffled order, three rounds: a heap far
// bigger than the caches, for timing the reader's live table (docs/PERFORMANCE.md, session 11):
//   memtrace run -o big.mtrace build/bench/big_heap && memtrace summary --json big.mtrace
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
int main(void) {
  enum { N = 1000000 };
  void **p = malloc(N * sizeof *p);
  uint32_t *order = malloc(N * sizeof *order);
  uint64_t s = 88172645463325252ull, sum = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < N; ++i) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; p[i] = malloc(16 + s % 200); order[i] = i; }
    for (int i = N - 1; i > 0; --i) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; uint32_t j = s % (i + 1), t = order[i]; order[i] = order[j]; order[j] = t; }
    for (int i = 0; i < N; ++i) { sum += (uintptr_t)p[order[i]] & 1; free(p[order[i]]); }
  }
  printf("%llu\n", (unsigned long long)sum);
  return 0;
}
