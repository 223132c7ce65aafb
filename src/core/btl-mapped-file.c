/* btl-mapped-file.c — see btl-mapped-file.h. */
#include "config.h"

#include "btl-mapped-file.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

GMappedFile *
btl_mapped_file_new (const char  *path,
                     GError     **error)
{
  g_autofree char *display = NULL;
  GMappedFile *mapped;
  GStatBuf st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  /* O_NONBLOCK: a FIFO's open returns at once instead of waiting for a
   * writer; for a regular file it changes nothing. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      /* TRANSLATORS: a file name, then what is wrong with the file */
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: %s"), display, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: not a regular file"), display);
      return NULL;
    }
  mapped = g_mapped_file_new_from_fd (fd, FALSE, error);
  close (fd);
  return mapped;
}
