"""`make cluster-test`: two web hosts behind nginx, two workers, two beats, on one machine."""
