build-san/viewer/trace_file.o: viewer/trace_file.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
