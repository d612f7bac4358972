build-san/preload/transport.o: preload/transport.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:
