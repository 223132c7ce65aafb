/* btl-image-folder.h — a folder of one's own pictures as a data set.
 *
 * Training samples are random tiles of the model's input size cut from the
 * pictures at full resolution (grayscale or RGB). The split is by PICTURE,
 * not by tile: a seeded shuffle of the pictures puts a fraction of them
 * aside, and every tile of the held-out ("test") half comes from pictures
 * the training half never saw, so the held-out loss measures how the codec
 * does on new photographs rather than on other crops of the same ones.
 *
 * What counts as a picture: every regular, non-hidden file directly in the
 * folder (no recursion) whose header gdk-pixbuf recognises (PNG, JPEG, BMP,
 * TIFF, WebP with its loader, …). Files that are not pictures are ignored.
 * Pictures that cannot be used — corrupt, truncated, empty, above
 * BTL_IMAGE_MAX_PIXELS, or so thin that scaling them up to one tile would
 * pass that limit — are SKIPPED, each with a note ("name: reason"), so
 * one bad file in a folder of hundreds does not stop training; the load
 * fails (GError) only when fewer than two usable pictures remain (an empty
 * folder, a folder without pictures) or when the options are invalid.
 * Pictures smaller than a tile are first scaled up (bilinear, aspect kept)
 * until their short side equals the tile.
 *
 * Everything is deterministic in opts->seed: the file order is the sorted
 * file names, and one seeded generator drives the split and the tile
 * positions.
 */
#pragma once

#include "btl-dataset.h"

G_BEGIN_DECLS

/* Tiles per picture: about two per tile-sized area, within these bounds. */
#define BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE 16
#define BTL_IMAGE_FOLDER_MAX_TILES_PER_IMAGE 1024
/* The float tiles of both halves together stay below this (256 MiB). */
#define BTL_IMAGE_FOLDER_MAX_BYTES (G_GUINT64_CONSTANT (256) << 20)

typedef struct
{
  int      tile_height;      /* model input size; 4..1024 (default 32) */
  int      tile_width;
  int      channels;         /* 1 (luma), 3 (RGB), or 0 = auto: 1 when every
                              * picture is gray (R = G = B), else 3 (default 0) */
  double   test_fraction;    /* pictures held out, (0, 0.9]; at least one
                              * (default 0.2) */
  double   val_fraction;     /* pictures set aside for validation by
                              * btl_image_folder_load_with_validation(),
                              * [0, 0.5]; at least one when > 0 (default 0.1) */
  int      tiles_per_image;  /* 0 = by area (see above; default), else exactly */
  int      max_tiles;        /* cap on all tiles together, 0 = by bytes only */
  guint64  seed;             /* default 1 */
} BtlImageFolderOptions;

void      btl_image_folder_options_init (BtlImageFolderOptions *opts);

/* The options a training run cuts the folder with — the CLI's `train` and
 * the window both, so a run (and a project) gets the same tiles in either:
 * tile size (0 = the default), channels (0 = by the pictures), the run's
 * seed, and its validation split as the fraction of pictures held out for
 * validation (at most 0.5). */
void      btl_image_folder_options_init_for_run (BtlImageFolderOptions *opts,
                                                 int                    tile_height,
                                                 int                    tile_width,
                                                 int                    channels,
                                                 double                 val_split,
                                                 guint64                seed);

/* TRUE when dir holds at least one picture file (by its header) and no
 * MNIST-format IDX files (those win: btl_dataset_open keeps reading them). */
gboolean  btl_image_folder_detect (const char *dir);

/* Loads dir as two data sets (no labels; name = the folder's base name).
 * opts may be NULL (defaults). skipped_out (may be NULL) receives a
 * NULL-terminated list of notes about the pictures that were skipped (empty
 * list when none). Errors: G_FILE_ERROR (not a folder, unreadable),
 * BTL_ERROR_INVALID (bad options, fewer than two usable pictures). */
gboolean  btl_image_folder_load (const char                   *dir,
                                 const BtlImageFolderOptions  *opts,
                                 BtlDataset                  **train,
                                 BtlDataset                  **test,
                                 char                       ***skipped_out,
                                 GError                      **error);

/* The same with a third half: val_fraction of the pictures (after the test
 * pictures are chosen, so the test half is the one btl_image_folder_load
 * gives for the same seed, tile for tile) whose tiles validate training —
 * hand them to nn_trainer_new_with_validation(), so early stopping watches
 * pictures the model never trained on. *val is NULL (and its pictures train)
 * when val_fraction is 0, fewer than three pictures are usable, or every
 * validation picture was skipped: then fall back to a split of the training
 * tiles. */
gboolean  btl_image_folder_load_with_validation (const char                   *dir,
                                                 const BtlImageFolderOptions  *opts,
                                                 BtlDataset                  **train,
                                                 BtlDataset                  **val,
                                                 BtlDataset                  **test,
                                                 char                       ***skipped_out,
                                                 GError                      **error);

G_END_DECLS
