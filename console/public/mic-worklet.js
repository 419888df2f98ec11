// The browser call's microphone tap: copies the first input channel to the page in ~20 ms batches
// (resampling and encoding happen on the page, in console/src/audio/*). Served as is from 'self'.
class MicTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.batch = [];
    this.size = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      this.batch.push(channel.slice());
      this.size += channel.length;
      // 128-frame blocks arrive every ~2.7 ms; a message per block would flood the page's thread.
      if (this.size >= 960) {
        const out = new Float32Array(this.size);
        let offset = 0;
        for (const block of this.batch) {
          out.set(block, offset);
          offset += block.length;
        }
        this.port.postMessage(out, [out.buffer]);
        this.batch = [];
        this.size = 0;
      }
    }
    return true;
  }
}

registerProcessor('mic-tap', MicTap);
