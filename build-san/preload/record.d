build-san/preload/record.o: preload/record.c preload/preload.h \
 include/socklens/wire.h
preload/preload.h:
include/socklens/wire.h:
