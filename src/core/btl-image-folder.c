/* btl-image-folder.c — a folder of pictures as a data set of random tiles.
 * See btl-image-folder.h for the rules (split by picture, skipped files). */
#include "config.h"

#include "btl-image-folder.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-tiles.h"

/* Extensions that promise a picture: such a file whose header cannot be read
 * is reported as skipped instead of silently ignored like "README.txt". */
static const char *const picture_extensions[] = {
  ".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".tif", ".tiff", ".webp", ".gif",
  ".pnm", ".ppm", ".pgm", ".tga", ".ico", ".avif", ".heic", ".jxl",
};

typedef struct
{
  char *path;
  char *display;
  int   width;       /* after the scale-up of small pictures */
  int   height;
  int   n_tiles;
  int   half;        /* 0 train, 1 test, 2 validation */
} Picture;

static void
picture_clear (gpointer data)
{
  Picture *p = data;

  g_free (p->path);
  g_free (p->display);
}

void
btl_image_folder_options_init (BtlImageFolderOptions *opts)
{
  g_return_if_fail (opts != NULL);

  memset (opts, 0, sizeof *opts);
  opts->tile_height = 32;
  opts->tile_width = 32;
  opts->channels = 0;
  opts->test_fraction = 0.2;
  opts->val_fraction = 0.1;
  opts->tiles_per_image = 0;
  opts->max_tiles = 0;
  opts->seed = 1;
}

void
btl_image_folder_options_init_for_run (BtlImageFolderOptions *opts,
                                       int                    tile_height,
                                       int                    tile_width,
                                       int                    channels,
                                       double                 val_split,
                                       guint64                seed)
{
  g_return_if_fail (opts != NULL);

  btl_image_folder_options_init (opts);
  if (tile_height != 0)
    opts->tile_height = tile_height;
  if (tile_width != 0)
    opts->tile_width = tile_width;
  opts->channels = channels;
  opts->seed = seed;
  /* Validation on tiles of held-out pictures, not on other crops of the
   * training pictures: the split is then a fraction of the pictures. */
  opts->val_fraction = CLAMP (val_split, 0.0, 0.5);
}

static gboolean
has_picture_extension (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; i < G_N_ELEMENTS (picture_extensions); i++)
    if (g_str_has_suffix (lower, picture_extensions[i]))
      return TRUE;
  return FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort hands over pointers to the elements. */
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted names of the regular, non-hidden files in dir. */
static GPtrArray *
list_files (const char  *dir,
            GError     **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  GPtrArray *names;
  const char *name;

  if (d == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *full = NULL;

      if (name[0] == '.')
        continue;
      full = g_build_filename (dir, name, NULL);
      if (g_file_test (full, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  /* Byte order, not the locale's collation: the same folder gives the same
   * data set everywhere. */
  g_ptr_array_sort (names, compare_names);
  return names;
}

static gboolean
is_idx_name (const char *name)
{
  return strstr (name, "-ubyte") != NULL;
}

gboolean
btl_image_folder_detect (const char *dir)
{
  g_autoptr (GPtrArray) names = NULL;
  gboolean any_picture = FALSE;

  g_return_val_if_fail (dir != NULL, FALSE);

  names = list_files (dir, NULL);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *full = NULL;

      if (is_idx_name (name))
        return FALSE;
      if (any_picture)
        continue;
      full = g_build_filename (dir, name, NULL);
      if (gdk_pixbuf_get_file_info (full, NULL, NULL) != NULL)
        any_picture = TRUE;
    }
  return any_picture;
}

static gboolean
pixbuf_is_gray (GdkPixbuf *pixbuf)
{
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  int n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);

  if (n_channels < 3)
    return TRUE;
  for (int y = 0; y < height; y++)
    {
      const guint8 *p = pixels + (gsize) y * stride;

      for (int x = 0; x < width; x++, p += n_channels)
        if (p[0] != p[1] || p[1] != p[2])
          return FALSE;
    }
  return TRUE;
}

/* The size a picture is used at: scaled up (aspect kept) when a side is
 * shorter than the tile. */
static void
usable_size (int  width,
             int  height,
             int  tile_h,
             int  tile_w,
             int *out_w,
             int *out_h)
{
  double scale = MAX ((double) tile_w / width, (double) tile_h / height);

  if (scale <= 1.0)
    {
      *out_w = width;
      *out_h = height;
      return;
    }
  *out_w = MAX (tile_w, (int) ceil (width * scale));
  *out_h = MAX (tile_h, (int) ceil (height * scale));
}

static gboolean
check_options (const BtlImageFolderOptions  *opts,
               GError                      **error)
{
  if (opts->tile_height < 4 || opts->tile_height > 1024
      || opts->tile_width < 4 || opts->tile_width > 1024)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Tile size %d × %d is outside 4…1024 pixels"),
                   opts->tile_width, opts->tile_height);
      return FALSE;
    }
  if (opts->channels != 0 && opts->channels != 1 && opts->channels != 3)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Channels must be 1 (gray) or 3 (RGB), not %d"), opts->channels);
      return FALSE;
    }
  if (!(opts->test_fraction > 0.0 && opts->test_fraction <= 0.9))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("The held-out fraction must be in (0, 0.9], not %g"),
                   opts->test_fraction);
      return FALSE;
    }
  if (!(opts->val_fraction >= 0.0 && opts->val_fraction <= 0.5))
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("The validation fraction must be in [0, 0.5], not %g"),
                   opts->val_fraction);
      return FALSE;
    }
  if (opts->tiles_per_image < 0 || opts->tiles_per_image > BTL_IMAGE_FOLDER_MAX_TILES_PER_IMAGE
      || opts->max_tiles < 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Tiles per picture must be in 0…%d and the tile cap ≥ 0"),
                   BTL_IMAGE_FOLDER_MAX_TILES_PER_IMAGE);
      return FALSE;
    }
  return TRUE;
}

/* Pass 1: headers only — which files are pictures, and how big. */
static GArray *
scan_pictures (const char                   *dir,
               const BtlImageFolderOptions  *opts,
               GPtrArray                    *notes,
               GError                      **error)
{
  g_autoptr (GPtrArray) names = list_files (dir, error);
  GArray *pictures;

  if (names == NULL)
    return NULL;
  pictures = g_array_new (FALSE, TRUE, sizeof (Picture));
  g_array_set_clear_func (pictures, picture_clear);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *full = g_build_filename (dir, name, NULL);
      g_autofree char *display = g_filename_display_name (name);
      int width = 0, height = 0;
      Picture p = { 0 };

      if (gdk_pixbuf_get_file_info (full, &width, &height) == NULL)
        {
          if (has_picture_extension (name))
            g_ptr_array_add (notes, g_strdup_printf ("%s: not an image that can be read",
                                                     display));
          continue;
        }
      if (width <= 0 || height <= 0)
        {
          g_ptr_array_add (notes, g_strdup_printf ("%s: the image has no pixels", display));
          continue;
        }
      if ((gint64) width * height > BTL_IMAGE_MAX_PIXELS)
        {
          g_ptr_array_add (notes, g_strdup_printf ("%s: %d × %d pixels is above the limit "
                                                   "of %d megapixels", display, width, height,
                                                   (int) (BTL_IMAGE_MAX_PIXELS >> 20)));
          continue;
        }
      usable_size (width, height, opts->tile_height, opts->tile_width, &p.width, &p.height);
      /* A sliver (1 × 60000) would be scaled up into a giant: refuse that too. */
      if ((gint64) p.width * p.height > BTL_IMAGE_MAX_PIXELS)
        {
          g_ptr_array_add (notes, g_strdup_printf ("%s: %d × %d pixels is too thin to cut "
                                                   "%d × %d tiles from", display, width, height,
                                                   opts->tile_width, opts->tile_height));
          continue;
        }
      p.path = g_steal_pointer (&full);
      p.display = g_steal_pointer (&display);
      g_array_append_val (pictures, p);
    }
  return pictures;
}

/* How many tiles each picture gives, within the per-picture bounds and the
 * global cap (scaled down proportionally, at least one each). */
static void
assign_tile_counts (GArray                       *pictures,
                    const BtlImageFolderOptions  *opts)
{
  int channels = opts->channels != 0 ? opts->channels : 3;
  guint64 dim = (guint64) channels * opts->tile_height * opts->tile_width;
  guint64 cap = BTL_IMAGE_FOLDER_MAX_BYTES / (dim * sizeof (float));
  guint64 total = 0;

  if (opts->max_tiles > 0)
    cap = MIN (cap, (guint64) opts->max_tiles);
  cap = MIN (cap, (guint64) G_MAXINT / 2);

  for (guint i = 0; i < pictures->len; i++)
    {
      Picture *p = &g_array_index (pictures, Picture, i);
      double area = (double) p->width * p->height;
      double by_area = 2.0 * area / ((double) opts->tile_height * opts->tile_width);

      if (opts->tiles_per_image > 0)
        p->n_tiles = opts->tiles_per_image;
      else
        p->n_tiles = (int) CLAMP (by_area, BTL_IMAGE_FOLDER_MIN_TILES_PER_IMAGE,
                                  BTL_IMAGE_FOLDER_MAX_TILES_PER_IMAGE);
      total += p->n_tiles;
    }
  if (total <= cap)
    return;
  for (guint i = 0; i < pictures->len; i++)
    {
      Picture *p = &g_array_index (pictures, Picture, i);

      p->n_tiles = MAX (1, (int) ((double) p->n_tiles * cap / total));
    }
}

/* Pass 2 for one picture: decode it and append its tiles (channels_read
 * planes each) to out. FALSE with a note when it cannot be used. */
static gboolean
sample_picture (Picture                      *p,
                const BtlImageFolderOptions  *opts,
                int                           channels_read,
                GRand                        *rng,
                GArray                       *out,
                gboolean                     *gray,
                GPtrArray                    *notes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  int th = opts->tile_height, tw = opts->tile_width;
  gsize dim = (gsize) channels_read * th * tw;
  int width, height;

  pixbuf = btl_tiles_load_image (p->path, BTL_IMAGE_MAX_PIXELS, &error);
  if (pixbuf == NULL)
    {
      g_ptr_array_add (notes, g_strdup (error->message));
      return FALSE;
    }
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  if (width < tw || height < th)
    {
      int w, h;
      GdkPixbuf *scaled;

      usable_size (width, height, th, tw, &w, &h);
      scaled = gdk_pixbuf_scale_simple (pixbuf, w, h, GDK_INTERP_BILINEAR);
      if (scaled == NULL)
        {
          g_ptr_array_add (notes, g_strdup_printf ("%s: out of memory while scaling",
                                                   p->display));
          return FALSE;
        }
      g_object_unref (pixbuf);
      pixbuf = scaled;
      width = w;
      height = h;
    }
  *gray = pixbuf_is_gray (pixbuf);

  for (int t = 0; t < p->n_tiles; t++)
    {
      /* Positions are drawn even for the last tile so a picture's count
       * never changes the positions drawn for the next picture. */
      int x = g_rand_int_range (rng, 0, width - tw + 1);
      int y = g_rand_int_range (rng, 0, height - th + 1);
      g_autoptr (GdkPixbuf) sub = gdk_pixbuf_new_subpixbuf (pixbuf, x, y, tw, th);
      g_autofree float *tile = btl_tiles_image_from_pixbuf (sub, channels_read, 0, 0,
                                                            NULL, NULL);

      g_assert (tile != NULL);
      g_array_append_vals (out, tile, dim);
    }
  return TRUE;
}

/* RGB tiles of gray pictures → one plane (exact: R = G = B). */
static void
keep_first_plane (GArray *tiles,
                  gsize   plane)
{
  gsize n = tiles->len / (3 * plane);
  float *data = (float *) tiles->data;

  for (gsize i = 0; i < n; i++)
    memmove (data + i * plane, data + i * 3 * plane, plane * sizeof (float));
  g_array_set_size (tiles, n * plane);
}

static BtlDataset *
make_dataset (const char  *name,
              GArray      *tiles,
              int          channels,
              int          th,
              int          tw,
              GError     **error)
{
  gsize dim = (gsize) channels * th * tw;
  BtlDataset *ds = btl_dataset_new (name, (int) (tiles->len / dim), channels, th, tw, 0,
                                    error);

  if (ds != NULL)
    memcpy (ds->images, tiles->data, tiles->len * sizeof (float));
  return ds;
}

/* val == NULL: two halves (btl_image_folder_load). */
static gboolean
load_halves (const char                   *dir,
             const BtlImageFolderOptions  *opts,
             BtlDataset                  **train,
             BtlDataset                  **val,
             BtlDataset                  **test,
             char                       ***skipped_out,
             GError                      **error)
{
  BtlImageFolderOptions defaults;
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) pictures = NULL;
  g_autoptr (GArray) train_tiles = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GArray) test_tiles = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GArray) val_tiles = g_array_new (FALSE, FALSE, sizeof (float));
  GArray *halves[3] = { train_tiles, test_tiles, val_tiles };
  g_autoptr (GRand) rng = NULL;
  g_autoptr (BtlDataset) tr = NULL;
  g_autoptr (BtlDataset) te = NULL;
  g_autoptr (BtlDataset) va = NULL;
  g_autofree char *display = NULL;
  g_autofree char *base = NULL;
  g_autofree int *order = NULL;
  guint32 seed_words[2];
  gboolean all_gray = TRUE;
  int used[3] = { 0, 0, 0 };
  int channels_read, channels, n_test, n_val = 0, n;

  if (opts == NULL)
    {
      btl_image_folder_options_init (&defaults);
      opts = &defaults;
    }
  if (!check_options (opts, error))
    return FALSE;

  display = g_filename_display_name (dir);
  pictures = scan_pictures (dir, opts, notes, error);
  if (pictures == NULL)
    return FALSE;
  n = (int) pictures->len;
  if (n < 2)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   n == 0
                   ? _("%s: no pictures here (a folder of pictures needs at least two: "
                       "one to train on, one held out)%s%s")
                   : _("%s: only one picture here (a folder of pictures needs at least "
                       "two: one to train on, one held out)%s%s"),
                   display,
                   /* Translators: followed by the first skipped file and why */
                   notes->len > 0 ? _("; skipped ") : "",
                   notes->len > 0 ? (const char *) g_ptr_array_index (notes, 0) : "");
      return FALSE;
    }
  assign_tile_counts (pictures, opts);

  /* The split: a seeded shuffle of the pictures; the first n_test are held out. */
  seed_words[0] = (guint32) opts->seed;
  seed_words[1] = (guint32) (opts->seed >> 32);
  rng = g_rand_new_with_seed_array (seed_words, 2);
  order = g_new (int, n);
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int i = n - 1; i > 0; i--)
    {
      int j = g_rand_int_range (rng, 0, i + 1);
      int t = order[i];

      order[i] = order[j];
      order[j] = t;
    }
  n_test = CLAMP ((int) lround (opts->test_fraction * n), 1, n - 1);
  /* Validation pictures come next in the same order, so asking for them
   * leaves the test half as it was; at least one picture still trains. */
  if (val != NULL && opts->val_fraction > 0.0 && n - n_test >= 2)
    n_val = CLAMP ((int) lround (opts->val_fraction * n), 1, n - n_test - 1);
  for (int i = 0; i < n; i++)
    g_array_index (pictures, Picture, order[i]).half = i < n_test ? 1 : i < n_test + n_val ? 2 : 0;

  /* Pass 2, in file order so one generator gives the same tiles every run. */
  channels_read = opts->channels != 0 ? opts->channels : 3;
  for (int i = 0; i < n; i++)
    {
      Picture *p = &g_array_index (pictures, Picture, i);
      gboolean gray = TRUE;

      if (sample_picture (p, opts, channels_read, rng, halves[p->half], &gray, notes))
        {
          used[p->half]++;
          all_gray = all_gray && gray;
        }
    }
  if (used[0] == 0 || used[1] == 0)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   used[0] == 0
                   ? _("%s: no usable picture left for training (%u skipped; first: %s)")
                   : _("%s: no usable picture left for the held-out set (%u skipped; first: %s)"),
                   display, notes->len,
                   notes->len > 0 ? (const char *) g_ptr_array_index (notes, 0) : _("none"));
      return FALSE;
    }

  channels = channels_read;
  if (opts->channels == 0 && all_gray)
    {
      for (int h = 0; h < 3; h++)
        keep_first_plane (halves[h], (gsize) opts->tile_height * opts->tile_width);
      channels = 1;
    }

  base = g_path_get_basename (dir);
  tr = make_dataset (base, halves[0], channels, opts->tile_height, opts->tile_width, error);
  if (tr == NULL)
    return FALSE;
  te = make_dataset (base, halves[1], channels, opts->tile_height, opts->tile_width, error);
  if (te == NULL)
    return FALSE;
  if (used[2] > 0)
    {
      va = make_dataset (base, halves[2], channels, opts->tile_height, opts->tile_width,
                         error);
      if (va == NULL)
        return FALSE;
    }

  if (skipped_out != NULL)
    {
      g_ptr_array_add (notes, NULL);
      *skipped_out = (char **) g_ptr_array_steal (notes, NULL);
    }
  *train = g_steal_pointer (&tr);
  *test = g_steal_pointer (&te);
  if (val != NULL)
    *val = g_steal_pointer (&va);
  return TRUE;
}

gboolean
btl_image_folder_load (const char                   *dir,
                       const BtlImageFolderOptions  *opts,
                       BtlDataset                  **train,
                       BtlDataset                  **test,
                       char                       ***skipped_out,
                       GError                      **error)
{
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return load_halves (dir, opts, train, NULL, test, skipped_out, error);
}

gboolean
btl_image_folder_load_with_validation (const char                   *dir,
                                       const BtlImageFolderOptions  *opts,
                                       BtlDataset                  **train,
                                       BtlDataset                  **val,
                                       BtlDataset                  **test,
                                       char                       ***skipped_out,
                                       GError                      **error)
{
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (train != NULL && val != NULL && test != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *val = NULL;
  return load_halves (dir, opts, train, val, test, skipped_out, error);
}
