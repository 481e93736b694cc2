"""Perceptual hashes of frames: normalisation, scenes, fingerprints, keyframe export."""
