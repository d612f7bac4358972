build-san/tests/test_model: tests/unit/test_model.c viewer/model.h \
 viewer/viewer.h include/socklens/wire.h
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:
