/* cli-codec.h — what the compression subcommands (compress, decompress,
 * compare, rd; prototypes in cli-common.h) share: a model opened as a codec,
 * pictures loaded under the pixel limit, the PCA baseline, option parsing. */
#pragma once

#include <glib.h>

#include "btl-codec.h"
#include "btl-compare.h"
#include "btl-model-file.h"

G_BEGIN_DECLS

typedef struct
{
  NnModel      *model;
  BtlModelInfo  info;
  BtlCodec     *codec;
} CliCodecModel;

/* Loads the .btl and builds its codec (ranges from the model's latent
 * statistics when it has them). */
gboolean        cli_codec_open (const char     *model_path,
                                CliCodecModel  *cm,
                                GError        **error);
void            cli_codec_close (CliCodecModel *cm);

/* "--mode" and "--bits" values checked; a usage message otherwise. */
gboolean        cli_codec_check_options (const char    *mode_text,
                                         int            bits,
                                         BtlCodecMode  *mode,
                                         char         **message);

/* One line on stderr when quantisation ranges will not come from the model
 * (so the user knows why file sizes differ from run to run of images). */
void            cli_codec_note_ranges (const char     *command,
                                       CliCodecModel  *cm);

/* The PCA baseline, fitted on up to 2000 training images of `data` (NULL:
 * the data set the model was trained on). NULL with *note set when that
 * data is not available or does not match the model's input. */
BtlPcaBaseline *cli_codec_pca_baseline (CliCodecModel  *cm,
                                        const char     *data,
                                        int             max_components,
                                        char          **note);

/* Progress of rd and compare on stderr: one line rewritten in place, only
 * when stderr is a terminal and the output is not --json (scripts and pipes
 * see nothing). Pass cli_codec_progress as the BtlCompareProgressFunc and
 * the CliCodecProgress as its data. */
typedef struct
{
  const char *command;
  const char *image;      /* shown before the step, may be NULL */
  gboolean    on;
  gint64      last_us;    /* when the line was last written */
  gint64      start_us;
  int         width;      /* of the line written, to blank it */
} CliCodecProgress;

void            cli_codec_progress_init  (CliCodecProgress *progress,
                                          const char       *command,
                                          gboolean          json);
void            cli_codec_progress       (int               done,
                                          int               total,
                                          const char       *series,
                                          int               setting,
                                          gpointer          user_data);
/* Blanks the line (before anything else is printed, and at the end). */
void            cli_codec_progress_clear (CliCodecProgress *progress);

/* Ctrl+C for rd and compare: the first SIGINT cancels the returned
 * cancellable (the core stops at its next check, within one encode); a
 * second one kills the process the ordinary way. Undo with
 * cli_codec_interrupt_end. */
GCancellable   *cli_codec_interrupt_begin (void);
void            cli_codec_interrupt_end   (GCancellable *cancellable);

G_END_DECLS
