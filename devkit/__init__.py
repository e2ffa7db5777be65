"""Development helpers that are not part of the installed package: real test media
(`synthetic`: photos and espeak-ng speech encoded with ffmpeg) and the QA evaluation
(`evaluation`). Tests, benchmarks and examples import them from the repository root;
they need ffmpeg, espeak-ng and scikit-image, which the wheel does not depend on.
"""
