/* result.h - the three outcomes of every decoder. */
#ifndef PS_RESULT_H
#define PS_RESULT_H
enum ps_result { PS_OK = 0, PS_TRUNCATED = 1, PS_INVALID = 2 };
#endif
