/* btl-metrics.h — image quality metrics on float images in [0,1]. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PSNR reported for a perfect reconstruction (mse == 0). */
#define BTL_PSNR_MAX_DB 100.0

/* Mean squared error over n floats (0 when n == 0). Accumulates in double. */
double btl_mse (const float *a,
                const float *b,
                size_t       n);

/* 10·log10(1/mse) for data range 1, capped at BTL_PSNR_MAX_DB; NaN for NaN or
 * negative mse. */
double btl_psnr_from_mse (double mse);

/* SSIM (Wang et al. 2004) of two (channels, height, width) CHW images:
 * 11×11 Gaussian window σ = 1.5 (normalised), K1 = 0.01, K2 = 0.03, data range 1,
 * population (not sample) covariances, mean over the windows that lie fully
 * inside the image, then mean over channels. Matches
 * skimage.metrics.structural_similarity (gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1, channel_axis for RGB).
 * Images narrower or lower than 11 px use the largest odd window that fits
 * (same σ). Returns NaN for empty images. */
double btl_ssim (const float *a,
                 const float *b,
                 int          channels,
                 int          height,
                 int          width);

G_END_DECLS
