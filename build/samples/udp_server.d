build/samples/udp_server: samples/udp_server.c samples/common.h
samples/common.h:
