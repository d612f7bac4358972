build-san/viewer/cmd_collect.o: viewer/cmd_collect.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
