"""Audio fingerprints: spectral-peak landmarks (`landmarks`) of a file's sound
(`fingerprint_audio`), and the alignment of two of them."""
