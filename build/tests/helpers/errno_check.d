build/tests/helpers/errno_check: tests/helpers/errno_check.c
