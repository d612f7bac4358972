build-san/viewer/collector.o: viewer/collector.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
