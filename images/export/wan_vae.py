"""AutoencoderKLWan as whole-clip graphs that equal diffusers' chunked encode and decode.

diffusers runs the causal 3D VAE chunk by chunk (encode: frame 0, then 4 frames at a time; decode:
one latent frame at a time) and carries a feature cache between chunks. Traced as is, that loop
would be unrolled for one frame count. This module gives the same arithmetic on the whole clip at
once, so one graph serves every 4k+1 frame count:

- WanCausalConv3d with its cache equals the plain causal convolution over the whole sequence: the
  cache always holds the last (up to) 2 input frames, and a missing frame is the zero padding.
- Encoder `downsample3d`: the first chunk passes frame 0 through, every later chunk runs the
  stride-2 time convolution over [last frame of the previous chunk, chunk]; over the whole clip
  that is [x0, time_conv(x0..x_{T-1})].
- Decoder `upsample3d`: frame 0 is never time-upsampled, and the cache of the first real chunk is
  zeros ("Rep"), so frame 0 is never context either: [x0, interleave(time_conv(causal_pad(x1..)))].

`check_equal` compares both graphs' torch modules with `vae.encode(...).latent_dist.mode()` and
`vae.decode(...)` for the given frame counts; the exporter runs it for every preset's frame count.
The cost: activations of the whole clip are held at once (diffusers holds one chunk), see
docs/wan.md.
"""

import torch
import torch.nn.functional as F


def _resample_whole_clip(self, x, feat_cache=None, feat_idx=None):
    """WanResample.forward with feat_cache=None meaning "the whole clip", equal to the chunked run."""
    b, c, t, h, w = x.size()
    if self.mode == "upsample3d" and t > 1:
        first, rest = x[:, :, :1], x[:, :, 1:]
        # time_conv pads 2 zero frames in front (causal); frame 0 is not context ("Rep" cache).
        y = self.time_conv(rest)
        n = rest.shape[2]
        y = y.reshape(b, 2, c, n, h, w)
        y = torch.stack((y[:, 0], y[:, 1]), 3).reshape(b, c, n * 2, h, w)
        x = torch.cat([first, y], dim=2)
    t = x.shape[2]
    x = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
    x = self.resample(x)
    x = x.view(b, t, x.size(1), x.size(2), x.size(3)).permute(0, 2, 1, 3, 4)
    if self.mode == "downsample3d" and x.shape[2] > 1:
        # Stride-2 windows (0,1,2), (2,3,4), ... over the whole clip, after frame 0 alone.
        x = torch.cat([x[:, :, :1], self.time_conv(x)], dim=2)
    return x


def _upsample_nearest(self, x):
    """WanUpsample (2x, "nearest-exact") as "nearest": at an integer scale of 2 both pick source
    pixel i // 2 (floor((i + 0.5) / 2) = floor(i / 2)); the TorchScript exporter has no symbolic for
    nearest-exact. check_equal compares with diffusers' own upsampling."""
    return F.interpolate(x.float(), scale_factor=self.scale_factor, mode="nearest").type_as(x)


class whole_clip_vae:  # noqa: N801 - a context manager
    """Patches WanResample (and WanUpsample) for the duration of a trace or a check, then restores them."""

    def __enter__(self):
        from diffusers.models.autoencoders import autoencoder_kl_wan

        self._module = autoencoder_kl_wan
        self._original = (autoencoder_kl_wan.WanResample.forward, autoencoder_kl_wan.WanUpsample.forward)
        autoencoder_kl_wan.WanResample.forward = _resample_whole_clip
        autoencoder_kl_wan.WanUpsample.forward = _upsample_nearest
        return self

    def __exit__(self, *exc):
        self._module.WanResample.forward, self._module.WanUpsample.forward = self._original
        return False


class VaeEncoder(torch.nn.Module):
    """video [B,3,F,H,W] in [-1,1] -> the latent distribution's mode [B,z,(F-1)/4+1,H/8,W/8], unnormalized."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        with whole_clip_vae():
            h = self.vae.encoder(sample)
            h = self.vae.quant_conv(h)
        mu, _ = torch.chunk(h, 2, dim=1)
        return mu


class VaeDecoder(torch.nn.Module):
    """latent [B,z,T,h,w], already denormalized (x * std + mean) -> video [B,3,4(T-1)+1,8h,8w] in [-1,1]."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent):
        with whole_clip_vae():
            x = self.vae.post_quant_conv(latent)
            out = self.vae.decoder(x)
        return torch.clamp(out, min=-1.0, max=1.0)


def check_equal(vae, frame_counts, height, width):
    """Max abs difference of the whole-clip modules from diffusers' chunked encode/decode, per frame count."""
    results = []
    g = torch.Generator().manual_seed(1)
    enc, dec = VaeEncoder(vae).eval(), VaeDecoder(vae).eval()
    z = vae.config.z_dim
    for frames in frame_counts:
        video = torch.rand(1, 3, frames, height, width, generator=g) * 2 - 1
        latent_frames = (frames - 1) // 4 + 1
        latent = torch.randn(1, z, latent_frames, height // 8, width // 8, generator=g)
        with torch.no_grad():
            ref_enc = vae.encode(video).latent_dist.mode()
            ours_enc = enc(video)
            ref_dec = vae.decode(latent).sample
            ours_dec = dec(latent)
        if ref_enc.shape != ours_enc.shape or ref_dec.shape != ours_dec.shape:
            raise SystemExit(f"whole-clip VAE shape differs at {frames} frames: {ours_enc.shape} vs {ref_enc.shape}, "
                             f"{ours_dec.shape} vs {ref_dec.shape}")
        results.append({
            "frames": frames,
            "encode_max_abs": float((ref_enc - ours_enc).abs().max()),
            "decode_max_abs": float((ref_dec - ours_dec).abs().max()),
        })
    return results


