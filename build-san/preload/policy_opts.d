build-san/preload/policy_opts.o: preload/policy_opts.c preload/policy.h
preload/policy.h:
