build/samples/connect_retry: samples/connect_retry.c samples/common.h
samples/common.h:
