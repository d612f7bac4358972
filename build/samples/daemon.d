build/samples/daemon: samples/daemon.c samples/common.h
samples/common.h:
