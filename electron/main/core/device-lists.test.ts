// ffmpeg's device listings parsed from real outputs of each platform (ffmpeg 4 and 5+ formats where they differ),
// the microphone lists the Studio makes of them, and the listing run with this machine's ffmpeg.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ffmpegPath as FFMPEG } from '../../../server/test-support/process.js';
import { parseAvfoundationDevices, parseDshowDevices, parseFfmpegSources } from './device-lists.js';
import { linuxMicrophones, listDevices } from './sources.js';

// `ffmpeg -hide_banner -sources pulse` on a laptop with a USB microphone (ffmpeg 6.1, PipeWire's pulse server).
const PULSE_5 = `Auto-detected sources for pulse:
  alsa_output.pci-0000_00_1f.3.analog-stereo.monitor [Monitor of Built-in Audio Analog Stereo] (audio)
* alsa_input.pci-0000_00_1f.3.analog-stereo [Built-in Audio Analog Stereo] (audio)
  alsa_input.usb-Blue_Microphones_Yeti_Stereo_Microphone_REV8-00.analog-stereo [Yeti Stereo Microphone Analog Stereo] (audio)
`;
// The same with ffmpeg 4.4, which printed no media types.
const PULSE_4 = `Auto-detected sources for pulse:
  alsa_output.pci-0000_00_1f.3.analog-stereo.monitor [Monitor of Built-in Audio Analog Stereo]
* alsa_input.pci-0000_00_1f.3.analog-stereo [Built-in Audio Analog Stereo]
`;
// No sound server running (this test machine).
const PULSE_DOWN = `Auto-detected sources for pulse:
Cannot list sources: Generic error in an external library
`;
// `ffmpeg -hide_banner -sources alsa` on a desktop with PipeWire's ALSA plugin and one sound card.
const ALSA = `Auto-detected sources for alsa:
  null [Discard all samples (playback) or generate zero samples (capture)] (none)
  pipewire [PipeWire Sound Server] (none)
  default [Default ALSA Output (currently PipeWire Media Server)] (none)
  hw:CARD=PCH,DEV=0 [Direct hardware device without any conversions] (none)
  plughw:CARD=PCH,DEV=0 [Hardware device with all software conversions] (none)
  sysdefault:CARD=PCH [Default Audio Device] (none)
`;
// `ffmpeg -hide_banner -list_devices true -f dshow -i dummy` on Windows 11, ffmpeg 6.0 (media types per device).
const DSHOW_5 = `[dshow @ 000001c1b0b7e240] "Integrated Webcam" (video)
[dshow @ 000001c1b0b7e240]   Alternative name "@device_pnp_\\\\?\\usb#vid_0bda&pid_58f4&mi_00#6&2d1d5e5&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\\global"
[dshow @ 000001c1b0b7e240] "OBS Virtual Camera" (video)
[dshow @ 000001c1b0b7e240]   Alternative name "@device_sw_{860BB310-5D01-11D0-BD3B-00A0C911CE86}\\{A3FCE0F5-3493-419F-958A-ABA1250EC20B}"
[dshow @ 000001c1b0b7e240] "Elgato Cam Link 4K" (video, audio)
[dshow @ 000001c1b0b7e240]   Alternative name "@device_pnp_\\\\?\\usb#vid_0fd9&pid_0066&mi_00#7&1b9f2b3&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\\global"
[dshow @ 000001c1b0b7e240] "Microphone Array (Realtek(R) Audio)" (audio)
[dshow @ 000001c1b0b7e240]   Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{D5E7A6B3-5C2F-4D0B-9C3A-2B1F0E4D6A77}"
[dshow @ 000001c1b0b7e240] "Stereo Mix (Realtek(R) Audio)" (audio)
[dshow @ 000001c1b0b7e240]   Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{8A1C34F2-7E9B-4F6A-A5D3-0C2E9B7F1D44}"
dummy: Immediate exit requested
`;
// The same listing from ffmpeg 4.4: section headers, no media types.
const DSHOW_4 = `[dshow @ 0000020a1b2c3d40] DirectShow video devices (some may be both video and audio devices)
[dshow @ 0000020a1b2c3d40]  "Integrated Webcam"
[dshow @ 0000020a1b2c3d40]     Alternative name "@device_pnp_\\\\?\\usb#vid_0bda&pid_58f4&mi_00#6&2d1d5e5&0&0000#{65e8773d-8f56-11d0-a3b9-00a0c9223196}\\global"
[dshow @ 0000020a1b2c3d40] DirectShow audio devices
[dshow @ 0000020a1b2c3d40]  "Microphone Array (Realtek(R) Audio)"
[dshow @ 0000020a1b2c3d40]     Alternative name "@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{D5E7A6B3-5C2F-4D0B-9C3A-2B1F0E4D6A77}"
dummy: Immediate exit requested
`;
// `ffmpeg -hide_banner -f avfoundation -list_devices true -i ""` on a MacBook with BlackHole installed.
const AVFOUNDATION = `[AVFoundation indev @ 0x7fc5a1e04f40] AVFoundation video devices:
[AVFoundation indev @ 0x7fc5a1e04f40] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7fc5a1e04f40] [1] OBS Virtual Camera
[AVFoundation indev @ 0x7fc5a1e04f40] [2] Capture screen 0
[AVFoundation indev @ 0x7fc5a1e04f40] [3] Capture screen 1
[AVFoundation indev @ 0x7fc5a1e04f40] AVFoundation audio devices:
[AVFoundation indev @ 0x7fc5a1e04f40] [0] MacBook Pro Microphone
[AVFoundation indev @ 0x7fc5a1e04f40] [1] BlackHole 2ch
[AVFoundation indev @ 0x7fc5a1e04f40] [2] Shure MV7 [USB]
: Input/output error
`;

describe('ffmpeg device listings', () => {
  test('-sources pulse: names, descriptions and the default, ffmpeg 5+ and 4', () => {
    const five = parseFfmpegSources(PULSE_5);
    assert.deepEqual(
      five.map((d) => [d.name, d.description, d.isDefault]),
      [
        ['alsa_output.pci-0000_00_1f.3.analog-stereo.monitor', 'Monitor of Built-in Audio Analog Stereo', false],
        ['alsa_input.pci-0000_00_1f.3.analog-stereo', 'Built-in Audio Analog Stereo', true],
        ['alsa_input.usb-Blue_Microphones_Yeti_Stereo_Microphone_REV8-00.analog-stereo', 'Yeti Stereo Microphone Analog Stereo', false],
      ],
    );
    assert.deepEqual(parseFfmpegSources(PULSE_4), five.slice(0, 2));
    assert.deepEqual(parseFfmpegSources(PULSE_DOWN), []);
    assert.deepEqual(parseFfmpegSources(''), []);
  });

  test('Linux microphones: the default first, no monitors; ALSA (without null) when no sound server answers', () => {
    const pulse = linuxMicrophones(parseFfmpegSources(PULSE_5), []);
    assert.deepEqual(
      pulse.map((m) => [m.label, m.device, m.api]),
      [
        ['System default microphone', 'default', 'pulse'],
        ['Built-in Audio Analog Stereo (the current default)', 'alsa_input.pci-0000_00_1f.3.analog-stereo', 'pulse'],
        ['Yeti Stereo Microphone Analog Stereo', 'alsa_input.usb-Blue_Microphones_Yeti_Stereo_Microphone_REV8-00.analog-stereo', 'pulse'],
      ],
    );
    assert.equal(new Set(pulse.map((m) => m.id)).size, pulse.length, 'ids are unique');
    const alsa = linuxMicrophones(parseFfmpegSources(PULSE_DOWN), parseFfmpegSources(ALSA));
    assert.deepEqual(
      alsa.map((m) => [m.device, m.api]),
      [
        ['default', 'alsa'],
        ['pipewire', 'alsa'],
        ['hw:CARD=PCH,DEV=0', 'alsa'],
        ['plughw:CARD=PCH,DEV=0', 'alsa'],
        ['sysdefault:CARD=PCH', 'alsa'],
      ],
    );
    assert.equal(alsa[2]!.label, 'Direct hardware device without any conversions (hw:CARD=PCH,DEV=0)');
    assert.deepEqual(linuxMicrophones([], parseFfmpegSources('  null [Discard all samples] (none)\n')), [], 'only the null device: none');
  });

  test('dshow: cameras and microphones, ffmpeg 5+ media types and ffmpeg 4 sections; alternative names skipped', () => {
    assert.deepEqual(parseDshowDevices(DSHOW_5), {
      video: ['Integrated Webcam', 'OBS Virtual Camera', 'Elgato Cam Link 4K'],
      audio: ['Elgato Cam Link 4K', 'Microphone Array (Realtek(R) Audio)', 'Stereo Mix (Realtek(R) Audio)'],
    });
    assert.deepEqual(parseDshowDevices(DSHOW_4), { video: ['Integrated Webcam'], audio: ['Microphone Array (Realtek(R) Audio)'] });
    assert.deepEqual(parseDshowDevices('dummy: Immediate exit requested\n'), { video: [], audio: [] });
  });

  test('avfoundation: cameras, screens apart, microphones (brackets in a name kept)', () => {
    assert.deepEqual(parseAvfoundationDevices(AVFOUNDATION), {
      video: ['FaceTime HD Camera', 'OBS Virtual Camera'],
      screens: ['Capture screen 0', 'Capture screen 1'],
      audio: ['MacBook Pro Microphone', 'BlackHole 2ch', 'Shure MV7 [USB]'],
    });
    assert.deepEqual(parseAvfoundationDevices(': Input/output error\n'), { video: [], audio: [], screens: [] });
  });

  test("this machine's ffmpeg: the listing runs and every microphone it offers can be opened by name", async () => {
    const { cameras, microphones } = await listDevices(FFMPEG, 'linux');
    assert.ok(Array.isArray(cameras));
    for (const m of microphones) {
      assert.ok(m.api === 'pulse' || m.api === 'alsa', JSON.stringify(m));
      assert.notEqual(m.device, 'null');
      assert.ok(m.label.length > 0 && m.id.startsWith(`${m.api}:`));
    }
  });
});
