build-san/tests/test_trace_file: tests/unit/test_trace_file.c \
 viewer/viewer.h include/socklens/wire.h
viewer/viewer.h:
include/socklens/wire.h:
