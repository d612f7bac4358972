build-san/preload/buffer.o: preload/buffer.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:
