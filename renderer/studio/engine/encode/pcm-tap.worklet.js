/* global AudioWorkletProcessor, currentFrame, registerProcessor -- the AudioWorkletGlobalScope's own names */
// The audio mix's samples for the encoder, off the audio thread in blocks: planar stereo Float32 blocks of
// `blockFrames` frames, each with the context frame of its first sample (so the main thread stamps it exactly).
// Plain JavaScript: an AudioWorklet module is loaded by URL, not bundled into the page.
class PcmTap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.blockFrames = options.processorOptions.blockFrames;
    this.channels = options.processorOptions.channels;
    this.alloc();
  }

  alloc() {
    this.block = Array.from({ length: this.channels }, () => new Float32Array(this.blockFrames));
    this.fill = 0;
    this.startFrame = 0;
  }

  process(inputs) {
    const input = inputs[0] || [];
    const n = input[0] ? input[0].length : 128;
    let done = 0;
    while (done < n) {
      if (this.fill === 0) this.startFrame = currentFrame + done;
      const take = Math.min(n - done, this.blockFrames - this.fill);
      for (let c = 0; c < this.channels; c++) {
        // A mono input plays on both sides; no input (nothing connected) is silence, so time keeps running.
        const src = input[c] || input[0];
        if (src) this.block[c].set(src.subarray(done, done + take), this.fill);
      }
      this.fill += take;
      done += take;
      if (this.fill === this.blockFrames) {
        const block = this.block;
        this.port.postMessage(
          { frame: this.startFrame, channels: block },
          block.map((b) => b.buffer),
        );
        this.alloc();
      }
    }
    return true;
  }
}

registerProcessor('onair-pcm-tap', PcmTap);
