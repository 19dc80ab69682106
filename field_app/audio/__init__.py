"""Recording a call on the phone (issue 17, point 3): the `Recorder` seam, the real one
over flet-audio-recorder, and the WAV file the streamed sound is written into."""
