/* btl-loss-plot-render.c — a live loss plot's picture, drawn in a thread.
 *
 * While a run trains, its plot changes with every progress delivery (up to
 * 20 a second) and drawing it is ~2 ms of cairo: on the main thread those
 * frames came late (--bench-frames). A live plot instead hands a copy of its
 * data to a thread, one drawing at a time, and shows the newest finished
 * picture; the window's frame then only composites it. The picture is an
 * image surface painted in a cairo node, not a texture: GSK's cairo renderer
 * converts a texture's every pixel whenever any part of the window is
 * redrawn (a spinner turning made that 2-3 ms a frame), while a cairo node
 * costs only where it is redrawn. The thread also compares the picture with
 * the one before in vertical strips and hands over only the strips that
 * differ, each as its own small image: as the curve grows (the x axis ends
 * on a round number, so it does not rescale with every step) a delivery
 * redraws a strip or two instead of the whole plot. The pointer's readout
 * is drawn into the picture too: a pointer move asks for a new one.
 *
 * Text is laid out with one font map of our own (pango's default ones are
 * per thread), used under a lock, so any pool thread can draw.
 */
#include "config.h"

#include <pango/pangocairo.h>

#include "btl-app-hold.h"
#include "btl-frame-budget.h"
#include "btl-loss-plot-private.h"

typedef struct
{
  BtlLossPlotData       data;          /* a copy: the histories are copies */
  guint                 generation;
  int                   width;
  int                   height;
  int                   scale;
  GdkRGBA               fg;
  GdkRGBA               accent;
  GdkRGBA               bg;
  PangoFontDescription *font;
  cairo_font_options_t *font_options;  /* NULL: the surface's */
  double                resolution;

  cairo_surface_t      *previous;      /* the picture shown, if of this size */
  cairo_surface_t      *image;         /* the result */
  cairo_surface_t      *strips[BTL_LOSS_PLOT_STRIPS];  /* its strips that changed */
  GPtrArray            *retired;       /* old pictures, freed in the thread */
  GApplication         *held;          /* released by render_done (btl-app-hold.h) */
} RenderJob;

static GMutex        font_lock;
static PangoFontMap *font_map;        /* under font_lock */

static void
render_job_free (gpointer data)
{
  RenderJob *job = data;

  _btl_loss_plot_data_clear (&job->data);
  g_clear_pointer (&job->font, pango_font_description_free);
  g_clear_pointer (&job->font_options, cairo_font_options_destroy);
  g_clear_pointer (&job->image, cairo_surface_destroy);
  g_clear_pointer (&job->previous, cairo_surface_destroy);
  for (int i = 0; i < BTL_LOSS_PLOT_STRIPS; i++)
    g_clear_pointer (&job->strips[i], cairo_surface_destroy);
  g_clear_pointer (&job->retired, g_ptr_array_unref);
  g_free (job);
}

/* Strip i covers the logical pixel columns [strip_x (i), strip_x (i + 1)). */
static int
strip_x (int i,
         int width)
{
  return (int) ((gint64) i * width / BTL_LOSS_PLOT_STRIPS);
}

static gboolean
strip_differs (cairo_surface_t *a,
               cairo_surface_t *b,
               int              x0,
               int              x1,
               int              scale)
{
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);
  int stride = cairo_image_surface_get_stride (a), rows = cairo_image_surface_get_height (a);
  gsize from = (gsize) x0 * scale * 4, len = (gsize) (x1 - x0) * scale * 4;

  for (int y = 0; y < rows; y++)
    if (memcmp (pa + (gsize) y * stride + from, pb + (gsize) y * stride + from, len) != 0)
      return TRUE;
  return FALSE;
}

/* The strips of job->image that differ from job->previous (all without
 * one), each copied into an image of its own. */
static void
cut_strips (RenderJob *job)
{
  for (int i = 0; i < BTL_LOSS_PLOT_STRIPS; i++)
    {
      int x0 = strip_x (i, job->width), x1 = strip_x (i + 1, job->width);
      cairo_surface_t *strip;
      cairo_t *cr;

      if (x1 <= x0 || (job->previous != NULL
                       && !strip_differs (job->image, job->previous, x0, x1, job->scale)))
        continue;
      strip = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (x1 - x0) * job->scale,
                                          job->height * job->scale);
      cairo_surface_set_device_scale (strip, job->scale, job->scale);
      cr = cairo_create (strip);
      cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
      cairo_set_source_surface (cr, job->image, -x0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
      cairo_surface_flush (strip);
      job->strips[i] = strip;
    }
}

static void
render_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RenderJob *job = task_data;
  cairo_surface_t *surface;
  BtlCanvas canvas;

  /* Freeing a picture (1-2 MB, unmapped) is not the window's work. By now
   * the frames that showed them are gone, so these are the last references. */
  g_clear_pointer (&job->retired, g_ptr_array_unref);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, job->width * job->scale,
                                        job->height * job->scale);
  cairo_surface_set_device_scale (surface, job->scale, job->scale);

  memset (&canvas, 0, sizeof canvas);
  canvas.cr = cairo_create (surface);
  canvas.width = job->width;
  canvas.height = job->height;
  canvas.fg = job->fg;
  canvas.accent = job->accent;
  canvas.bg = job->bg;
  canvas.font = pango_font_description_copy (job->font);

  g_mutex_lock (&font_lock);
  if (font_map == NULL)
    font_map = pango_cairo_font_map_new ();
  canvas.pango = pango_font_map_create_context (font_map);
  pango_cairo_update_context (canvas.cr, canvas.pango);
  if (job->font_options != NULL)
    pango_cairo_context_set_font_options (canvas.pango, job->font_options);
  pango_cairo_context_set_resolution (canvas.pango, job->resolution);

  _btl_loss_plot_draw_data (&job->data, &canvas);

  g_clear_pointer (&canvas.cr, cairo_destroy);
  btl_canvas_finish (&canvas);
  g_mutex_unlock (&font_lock);

  cairo_surface_flush (surface);
  if (cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS)
    {
      job->image = surface;
      cut_strips (job);
    }
  else
    cairo_surface_destroy (surface);
  g_task_return_boolean (task, job->image != NULL);
}

/* Shows job's picture: its changed strips get new nodes. */
static void
install_picture (BtlLossPlot *self,
                 RenderJob   *job)
{
  /* The old picture goes with the next drawing, whose thread frees it. */
  if (self->image != NULL)
    {
      if (self->retired == NULL)
        self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
      g_ptr_array_add (self->retired, g_steal_pointer (&self->image));
    }
  self->image = g_steal_pointer (&job->image);
  self->image_generation = job->generation;
  self->image_width = job->width;
  self->image_height = job->height;
  self->image_scale = job->scale;
  self->n_renders++;
  for (int i = 0; i < BTL_LOSS_PLOT_STRIPS; i++)
    {
      int x0 = strip_x (i, job->width), x1 = strip_x (i + 1, job->width);
      graphene_rect_t bounds = GRAPHENE_RECT_INIT (x0, 0, x1 - x0, job->height);
      cairo_t *cr;

      if (job->strips[i] == NULL)
        continue;
      /* A strip's node may outlive this picture: it paints its own image. */
      g_clear_pointer (&self->strips[i], gsk_render_node_unref);
      self->strips[i] = gsk_cairo_node_new (&bounds);
      cr = gsk_cairo_node_get_draw_context (self->strips[i]);
      cairo_set_source_surface (cr, job->strips[i], x0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
      self->n_strips_drawn++;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  /* The data moved on while this one was drawn. */
  if (self->image_generation != self->generation)
    _btl_loss_plot_start_render (self);
}

static void
install_deferred (GObject *owner)
{
  BtlLossPlot *self = BTL_LOSS_PLOT (owner);
  g_autoptr(GTask) task = g_steal_pointer (&self->pending_render);

  self->rendering = FALSE;
  if (task != NULL && self->live)
    install_picture (self, g_task_get_task_data (task));
  else if (self->live)
    gtk_widget_queue_draw (GTK_WIDGET (self));  /* its snapshot starts a drawing */
}

static void
render_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BtlLossPlot) self = user_data;
  RenderJob *job = g_task_get_task_data (G_TASK (result));

  btl_app_release (g_steal_pointer (&job->held));
  if (!g_task_propagate_boolean (G_TASK (result), NULL) || !self->live)
    {
      self->rendering = FALSE;
      return;
    }
  /* The grid took the next frame: show this after it. Meanwhile no new
   * drawing starts (it would compare itself with the picture before). */
  if (!btl_frame_budget_claim (GTK_WIDGET (self)))
    {
      self->pending_render = g_object_ref (G_TASK (result));
      btl_frame_budget_defer (GTK_WIDGET (self), G_OBJECT (self), install_deferred);
      return;
    }
  self->rendering = FALSE;
  install_picture (self, job);
}

void
_btl_loss_plot_drop_image (BtlLossPlot *self)
{
  for (int i = 0; i < BTL_LOSS_PLOT_STRIPS; i++)
    g_clear_pointer (&self->strips[i], gsk_render_node_unref);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->retired, g_ptr_array_unref);
  /* A picture waiting for its frame is dropped when it comes (rendering
   * stays set until then, so no drawing starts beside it). */
  if (self->pending_render != NULL)
    g_clear_object (&self->pending_render);
}

static gboolean
image_fits (BtlLossPlot *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  return self->image != NULL && self->image_width == gtk_widget_get_width (widget)
         && self->image_height == gtk_widget_get_height (widget)
         && self->image_scale == gtk_widget_get_scale_factor (widget);
}

static gboolean
start_render_idle (gpointer user_data)
{
  BtlLossPlot *self = user_data;

  self->render_idle_id = 0;
  if (self->live)
    _btl_loss_plot_start_render (self);
  return G_SOURCE_REMOVE;
}

gboolean
_btl_loss_plot_render_instead (BtlLossPlot *self)
{
  if (!self->live || !image_fits (self))
    return FALSE;
  /* A delivery adds its steps one by one: draw once after all of them (a
   * drawing per step drew most deliveries twice). */
  if (self->render_idle_id == 0)
    self->render_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, start_render_idle,
                                            g_object_ref (self), g_object_unref);
  return TRUE;
}

void
_btl_loss_plot_start_render (BtlLossPlot *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  const cairo_font_options_t *options;
  g_autoptr(GTask) task = NULL;
  GtkSnapshot *scratch;
  BtlCanvas theme;
  RenderJob *job;

  /* A hidden plot (another page on screen) draws when it is shown again. */
  if (self->rendering || width <= 0 || height <= 0 || !gtk_widget_get_mapped (widget)
      || (image_fits (self) && self->image_generation == self->generation))
    return;

  job = g_new0 (RenderJob, 1);
  job->data.history = self->d.history ? btl_loss_history_copy (self->d.history) : NULL;
  job->data.reference = self->d.reference ? btl_loss_history_copy (self->d.reference) : NULL;
  job->data.reference_label = g_strdup (self->d.reference_label);
  job->data.log_scale = self->d.log_scale;
  job->data.x_by_epoch = self->d.x_by_epoch;
  job->data.smoothing = self->d.smoothing;
  /* The pointer's readout is part of the picture: nothing is drawn on the
   * main thread while a person reads the plot as it grows. */
  job->data.hovering = self->d.hovering;
  job->data.hover_x = self->d.hover_x;
  job->data.hover_y = self->d.hover_y;
  job->generation = self->generation;
  job->width = width;
  job->height = height;
  job->scale = scale;
  if (image_fits (self))
    job->previous = cairo_surface_reference (self->image);

  /* The theme's colours and font, as the widget would draw with them. */
  scratch = gtk_snapshot_new ();
  btl_canvas_init_snapshot (&theme, widget, scratch);
  job->fg = theme.fg;
  job->accent = theme.accent;
  job->bg = theme.bg;
  job->font = pango_font_description_copy (theme.font);
  options = pango_cairo_context_get_font_options (theme.pango);
  job->font_options = options != NULL ? cairo_font_options_copy (options) : NULL;
  job->resolution = pango_cairo_context_get_resolution (theme.pango);
  btl_canvas_finish (&theme);
  g_clear_pointer (&scratch, gtk_snapshot_free_to_node);  /* nothing was drawn: NULL */

  job->retired = g_steal_pointer (&self->retired);
  job->held = btl_app_hold ();
  self->rendering = TRUE;
  /* No source object: the page is held by the callback's data and released
   * there, on the main thread, never in the pool thread. */
  task = g_task_new (NULL, NULL, render_done, g_object_ref (self));
  g_task_set_name (task, "[bottleneck] loss plot");
  /* Its result waits for a frame that is due, rather than delaying it. */
  g_task_set_priority (task, G_PRIORITY_DEFAULT_IDLE);
  g_task_set_task_data (task, job, render_job_free);
  g_task_run_in_thread (task, render_thread);
}

gboolean
_btl_loss_plot_append_image (BtlLossPlot *self,
                             GtkSnapshot *snapshot)
{
  if (!image_fits (self))
    return FALSE;
  for (int i = 0; i < BTL_LOSS_PLOT_STRIPS; i++)
    if (self->strips[i] != NULL)
      gtk_snapshot_append_node (snapshot, self->strips[i]);
  /* Behind the data (a change while the pointer was over the plot): the
   * next picture is on its way. */
  if (self->image_generation != self->generation)
    _btl_loss_plot_start_render (self);
  return TRUE;
}
