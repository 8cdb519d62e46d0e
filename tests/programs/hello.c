/* The smallest useful function: used to measure start-up cost. */
#include <stdio.h>

int main(void)
{
  puts("hello from a trustlet");
  return 0;
}
