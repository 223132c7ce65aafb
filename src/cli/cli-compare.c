/* cli-compare.c — `bottleneck-cli compare`: the Compress page's table from
 * the command line — per picture and averaged: the original (lossless PNG),
 * the autoencoder's .btlz, JPEG and WebP at the largest quality not above
 * the .btlz's size, and the PCA baseline with as many coefficients. */
#include "config.h"

#include "cli-codec.h"
#include "cli-common.h"

#include <math.h>
#include <stdio.h>

#include "btl-tiles.h"

static const char *const row_names[BTL_COMPARE_N_ROWS] = {
  "original", "autoencoder", "jpeg", "webp", "pca",
};

typedef struct
{
  int    n;
  double bytes, bpp, ratio, psnr_db, ssim;
} RowMean;

static char *
row_json (const BtlCompareRow *row)
{
  CliJson j;

  cli_json_begin (&j);
  cli_json_add_string (&j, "codec", row->name);
  cli_json_add_bool (&j, "available", row->available);
  if (row->available)
    {
      cli_json_add_int (&j, "bytes", (gint64) row->bytes);
      cli_json_add_double (&j, "bpp", row->bpp);
      cli_json_add_double (&j, "ratio", row->ratio);
      cli_json_add_double (&j, "mse", row->mse);
      cli_json_add_double (&j, "psnr_db", row->psnr_db);
      cli_json_add_double (&j, "ssim", row->ssim);
      cli_json_add_int (&j, "setting", row->setting);
    }
  /* also when nothing fitted: the JPEG/WebP search still took this long */
  cli_json_add_double (&j, "seconds", row->seconds);
  cli_json_add_string (&j, "note", row->note != NULL ? row->note : "");
  return cli_json_end (&j);
}

static void
print_row (const char *name,
           gboolean    available,
           double      bytes,
           double      bpp,
           double      ratio,
           double      psnr,
           double      ssim,
           const char *note)
{
  char ratio_text[32];

  /* 3 significant digits below 100 (a 1×1 picture's 0.00485:1), whole
   * numbers above (a photo's 1834:1, not 1.83e+03:1). */
  g_snprintf (ratio_text, sizeof ratio_text, ratio >= 100 ? "%.0f" : "%.3g", ratio);
  if (available)
    printf ("  %-12s %9.0f %8.3f %7s:1 %8.2f %7.4f  %s\n", name, bytes, bpp, ratio_text,
            psnr, ssim, note != NULL ? note : "");
  else
    printf ("  %-12s %9s %8s %9s %8s %7s  %s\n", name, "-", "-", "-", "-", "-",
            note != NULL ? note : "");
}

static void
print_header (void)
{
  printf ("  %-12s %9s %8s %9s %8s %7s  %s\n", _("codec"), _("bytes"), _("bpp"),
          _("ratio"), _("PSNR dB"), _("SSIM"), _("note"));
}

int
cli_compare (int    argc,
             char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *mode_text = NULL;
  g_autofree char *data = NULL;
  int bits = BTL_CODEC_DEFAULT_BITS;
  int threads = 0;
  gboolean json = FALSE, no_pca = FALSE;
  const GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model file (.btl, or a project .btlproj)"), N_("FILE") },
    { "bits", 0, 0, G_OPTION_ARG_INT, &bits,
      N_("Bits per code dimension, 2–16 (default 8)"), N_("N") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode_text,
      N_("“tiles” (default) or “fit”"), N_("MODE") },
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("Training data for the PCA baseline (default: the model’s data set)"), N_("DATA") },
    { "no-pca", 0, 0, G_OPTION_ARG_NONE, &no_pca,
      N_("Leave out the PCA baseline"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the result as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  g_autoptr (BtlPcaBaseline) baseline = NULL;
  g_autoptr (GString) images_json = g_string_new ("[");
  g_autofree char *message = NULL;
  g_autofree char *pca_note = NULL;
  RowMean means[BTL_COMPARE_N_ROWS] = { { 0 } };
  CliCodecModel cm;
  CliCodecProgress progress;
  GCancellable *cancellable;
  BtlCodecMode mode;
  int n_images;

  context = cli_option_context_new ("compare", N_("IMAGE…"),
                                    _("Compare the model’s codec with JPEG and WebP at "
                                      "the same size and with a PCA baseline: bytes on "
                                      "disk, bits per pixel, compression ratio, PSNR, "
                                      "SSIM; per picture and averaged."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &args, &error))
    return cli_usage_fail ("compare", error->message);
  if (model_path == NULL)
    return cli_usage_fail ("compare", _("--model FILE is required"));
  if (args == NULL || args[0] == NULL)
    return cli_usage_fail ("compare", _("give at least one picture"));
  if (!cli_codec_check_options (mode_text, bits, &mode, &message))
    return cli_usage_fail ("compare", message);
  if (threads < 0)
    return cli_usage_fail ("compare", _("--threads must not be negative"));

  /* A picture that cannot be read is found now, not after the tables of
   * the ones before it (its header is enough; the full reader says why). */
  for (guint i = 0; args[i] != NULL; i++)
    if (gdk_pixbuf_get_file_info (args[i], NULL, NULL) == NULL)
      {
        g_autoptr (GdkPixbuf) pixbuf = btl_tiles_load_image (args[i], 0, &error);

        if (pixbuf == NULL)
          return cli_fail ("compare", CLI_EXIT_RUNTIME, "%s", error->message);
      }

  if (!cli_codec_open (model_path, &cm, &error))
    return cli_fail ("compare", CLI_EXIT_RUNTIME, "%s", error->message);
  cli_codec_note_ranges ("compare", &cm);
  nn_set_threads (threads);
  if (!no_pca)
    {
      baseline = cli_codec_pca_baseline (&cm, data, btl_codec_get_latent_dim (cm.codec),
                                         &pca_note);
      if (baseline == NULL && !json)
        fprintf (stderr, "bottleneck-cli compare: %s\n", pca_note);
    }

  n_images = (int) g_strv_length (args);
  /* Progress on a terminal; Ctrl+C stops between two encodes. */
  cli_codec_progress_init (&progress, "compare", json);
  cancellable = cli_codec_interrupt_begin ();
  for (int i = 0; i < n_images; i++)
    {
      g_autoptr (GdkPixbuf) pixbuf = btl_tiles_load_image (args[i], 0, &error);
      g_autoptr (BtlComparison) cmp = NULL;
      g_autoptr (GString) rows_json = g_string_new ("[");
      CliJson j;

      progress.image = args[i];
      if (pixbuf != NULL)
        cmp = btl_comparison_new (cm.codec, baseline, pixbuf, mode, bits, FALSE,
                                  cli_codec_progress, &progress, cancellable, &error);
      cli_codec_progress_clear (&progress);
      if (cmp == NULL)
        {
          cli_codec_interrupt_end (cancellable);
          cli_codec_close (&cm);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return cli_fail ("compare", CLI_EXIT_INTERRUPTED, "%s", _("interrupted"));
          return cli_fail ("compare", CLI_EXIT_RUNTIME, "%s%s%s",
                           pixbuf == NULL ? "" : args[i], pixbuf == NULL ? "" : ": ",
                           error->message);
        }

      if (!json)
        {
          printf (_("%s (%d×%d %s, %s mode, %d bits)\n"), args[i],
                  cmp->width, cmp->height, cmp->channels == 1 ? _("gray") : _("RGB"),
                  btl_codec_mode_to_string (mode), bits);
          print_header ();
        }
      for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
        {
          const BtlCompareRow *row = &cmp->rows[r];
          g_autofree char *rj = row_json (row);

          g_string_append_printf (rows_json, "%s%s", r > 0 ? "," : "", rj);
          if (!json)
            print_row (row->name, row->available, row->bytes, row->bpp, row->ratio,
                       row->psnr_db, row->ssim, row->note);
          if (row->available)
            {
              means[r].n++;
              means[r].bytes += row->bytes;
              means[r].bpp += row->bpp;
              means[r].ratio += row->ratio;
              means[r].psnr_db += row->psnr_db;
              means[r].ssim += row->ssim;
            }
        }
      g_string_append_c (rows_json, ']');
      fflush (stdout);

      cli_json_begin (&j);
      cli_json_add_string (&j, "image", args[i]);
      cli_json_add_int (&j, "width", cmp->width);
      cli_json_add_int (&j, "height", cmp->height);
      cli_json_add_int (&j, "channels", cmp->channels);
      cli_json_add_raw (&j, "rows", rows_json->str);
      {
        g_autofree char *ij = cli_json_end (&j);
        g_string_append_printf (images_json, "%s%s", i > 0 ? "," : "", ij);
      }
    }
  g_string_append_c (images_json, ']');
  cli_codec_interrupt_end (cancellable);

  /* Averages over the pictures where the row exists. */
  {
    g_autoptr (GString) avg_json = g_string_new ("[");

    if (!json && n_images > 1)
      {
        printf (_("Average over %d pictures\n"), n_images);
        print_header ();
      }
    for (int r = 0; r < BTL_COMPARE_N_ROWS; r++)
      {
        RowMean *m = &means[r];
        int n = MAX (m->n, 1);
        g_autofree char *note = g_strdup_printf (_("%d of %d pictures"), m->n, n_images);
        CliJson j;

        cli_json_begin (&j);
        cli_json_add_string (&j, "codec", row_names[r]);
        cli_json_add_int (&j, "images", m->n);
        cli_json_add_double (&j, "bytes", m->n > 0 ? m->bytes / n : NAN);
        cli_json_add_double (&j, "bpp", m->n > 0 ? m->bpp / n : NAN);
        cli_json_add_double (&j, "ratio", m->n > 0 ? m->ratio / n : NAN);
        cli_json_add_double (&j, "psnr_db", m->n > 0 ? m->psnr_db / n : NAN);
        cli_json_add_double (&j, "ssim", m->n > 0 ? m->ssim / n : NAN);
        {
          g_autofree char *aj = cli_json_end (&j);
          g_string_append_printf (avg_json, "%s%s", r > 0 ? "," : "", aj);
        }
        if (!json && n_images > 1)
          print_row (row_names[r],
                     m->n > 0, m->bytes / n, m->bpp / n, m->ratio / n,
                     m->psnr_db / n, m->ssim / n, note);
      }
    g_string_append_c (avg_json, ']');

    if (json)
      {
        CliJson j;

        cli_json_begin (&j);
        cli_json_add_string (&j, "model", model_path);
        cli_json_add_string (&j, "model_fingerprint", btl_codec_get_fingerprint (cm.codec));
        cli_json_add_string (&j, "mode", btl_codec_mode_to_string (mode));
        cli_json_add_int (&j, "bits", bits);
        cli_json_add_bool (&j, "ranges_from_model",
                           btl_codec_get_range_source (cm.codec) == BTL_CODEC_RANGES_MODEL);
        if (pca_note != NULL)
          cli_json_add_string (&j, "pca_note", pca_note);
        else if (baseline != NULL)
          cli_json_add_int (&j, "pca_training_images", baseline->n_samples);
        cli_json_add_raw (&j, "images", images_json->str);
        cli_json_add_raw (&j, "average", avg_json->str);
        cli_json_print (&j);
      }
  }

  cli_codec_close (&cm);
  return CLI_EXIT_OK;
}
