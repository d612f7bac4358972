build/samples/fork_server: samples/fork_server.c samples/common.h
samples/common.h:
