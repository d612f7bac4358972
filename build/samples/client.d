build/samples/client: samples/client.c samples/common.h
samples/common.h:
