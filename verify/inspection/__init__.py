"""What a file says about itself: metadata, capture facts, forensic flags."""
