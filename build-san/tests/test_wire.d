build-san/tests/test_wire: tests/unit/test_wire.c viewer/viewer.h \
 include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
