build-san/viewer/crc32.o: viewer/crc32.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
