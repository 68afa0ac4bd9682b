"""The benchmark behind `make bench`: the real web and worker processes against the emulators."""
