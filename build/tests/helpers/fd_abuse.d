build/tests/helpers/fd_abuse: tests/helpers/fd_abuse.c
