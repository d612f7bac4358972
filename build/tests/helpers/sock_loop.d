build/tests/helpers/sock_loop: tests/helpers/sock_loop.c
