build-san/viewer/render_term.o: viewer/render_term.c viewer/model.h \
 viewer/viewer.h include/socklens/wire.h viewer/render.h
viewer/model.h:
viewer/viewer.h:
include/socklens/wire.h:
viewer/render.h:
