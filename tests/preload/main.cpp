// Catch2's main for the preload tests, in its own translation unit.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
