build-san/tests/test_out: tests/unit/test_out.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
