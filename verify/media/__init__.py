"""Finding and reading media: ffmpeg and ffprobe, decoding frames, file types, hashes of bytes."""
