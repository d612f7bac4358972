build-san/viewer/hash.o: viewer/hash.c viewer/hash.h
viewer/hash.h:
