build/samples/udp_client: samples/udp_client.c samples/common.h
samples/common.h:
