/* btl-scatter-map.c — see btl-scatter-map.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-chart.h"
#include "btl-dots.h"
#include "btl-scatter-map.h"

#define HIT_RADIUS 8.0
#define CLICK_SLOP 4.0

typedef enum
{
  DRAG_NONE,
  DRAG_CLICK,     /* pressed on a point: a click if the pointer stays put */
  DRAG_POSITION,  /* pressed on empty space or the marker */
} DragMode;

struct _BtlScatterMap
{
  GtkWidget         parent_instance;

  /* owned */
  float            *xy;            /* (n, 2) */
  guint8           *classes;       /* (n) or NULL */
  char            **class_names;   /* NULL-terminated or NULL */
  char             *x_label;
  char             *y_label;
  cairo_surface_t  *cache;         /* the points, for the last layout */
  GskRenderNode    *base;          /* all but selection, marker and hover */

  int               n;
  int               n_classes;     /* max class + 1, 0 without classes */
  double            data_min[2];
  double            data_max[2];
  guint             version;       /* bumped when the points change */

  /* the cache's key */
  guint             cache_version;
  int               cache_width;
  int               cache_height;
  int               cache_scale;
  graphene_rect_t   cache_plot;    /* moves with axis labels, fonts, legend */

  /* the base's key: it is drawn again only when one of these changes */
  guint             base_serial;   /* bumped by the setters of what it shows */
  guint             base_drawn_serial;
  int               base_width;
  int               base_height;
  int               base_scale;
  GdkRGBA           base_fg;
  GdkRGBA           base_accent;
  guint             base_font;     /* pango_font_description_hash () */
  guint             n_base_draws;

  /* layout of the last frame on screen */
  BtlAxis           xa;
  BtlAxis           ya;
  graphene_rect_t   plot;
  gboolean          have_layout;

  int               hover;
  int               selected;
  double            marker[2];
  gboolean          marker_visible;

  DragMode          drag_mode;
  int               drag_point;
  double            drag_x;
  double            drag_y;
  double            pointer_x;
  double            pointer_y;
};

G_DEFINE_FINAL_TYPE (BtlScatterMap, btl_scatter_map, GTK_TYPE_WIDGET)

enum {
  POINT_HOVERED,
  POINT_ACTIVATED,
  POSITION_DRAGGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
class_of (BtlScatterMap *self,
          int            i)
{
  return self->classes ? self->classes[i] : 0;
}

static const char *
class_name (BtlScatterMap *self,
            int            c,
            char          *buf,
            gsize          size)
{
  if (self->class_names != NULL && (guint) c < g_strv_length (self->class_names))
    return self->class_names[c];
  g_snprintf (buf, size, _("Class %d"), c);
  return buf;
}

static gboolean
point_ok (BtlScatterMap *self,
          int            i)
{
  return isfinite (self->xy[2 * i]) && isfinite (self->xy[2 * i + 1]);
}

/* Points get smaller and lighter as they get many, so clusters stay readable. */
static void
point_style (int     n,
             double *radius,
             double *alpha)
{
  if (n <= 500)
    *radius = 3.5, *alpha = 0.85;
  else if (n <= 3000)
    *radius = 2.6, *alpha = 0.7;
  else
    *radius = 1.9, *alpha = 0.55;
}

static void
draw_points (BtlScatterMap         *self,
             cairo_t               *cr,
             const BtlAxis         *xa,
             const BtlAxis         *ya,
             const graphene_rect_t *plot)
{
  int n_colours = MAX (1, self->n_classes);
  double radius, alpha;

  point_style (self->n, &radius, &alpha);
  cairo_save (cr);
  cairo_rectangle (cr, plot->origin.x, plot->origin.y, plot->size.width, plot->size.height);
  cairo_clip (cr);
  for (int c = 0; c < n_colours; c++)
    {
      GdkRGBA colour = btl_chart_color (c);

      colour.alpha = alpha;
      gdk_cairo_set_source_rgba (cr, &colour);
      for (int i = 0; i < self->n; i++)
        {
          if (class_of (self, i) != c || !point_ok (self, i))
            continue;
          cairo_new_sub_path (cr);
          cairo_arc (cr, btl_axis_map (xa, self->xy[2 * i]), btl_axis_map (ya, self->xy[2 * i + 1]),
                     radius, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/* The same into the on-screen cache image, a few milliseconds instead of
 * tens for 10,000 points (btl-dots.h). */
static void
draw_points_raster (BtlScatterMap         *self,
                    cairo_surface_t       *image,
                    int                    scale,
                    const BtlAxis         *xa,
                    const BtlAxis         *ya,
                    const graphene_rect_t *plot)
{
  int n_colours = MAX (1, self->n_classes);
  g_autofree double *xy = g_new (double, 2 * (gsize) MAX (self->n, 1));
  g_autofree GdkRGBA *colours = g_new (GdkRGBA, n_colours);
  cairo_rectangle_int_t clip;
  double radius, alpha;

  point_style (self->n, &radius, &alpha);
  for (int c = 0; c < n_colours; c++)
    colours[c] = btl_chart_color (c);
  for (int i = 0; i < self->n; i++)
    {
      xy[2 * i] = point_ok (self, i) ? btl_axis_map (xa, self->xy[2 * i]) * scale : NAN;
      xy[2 * i + 1] = point_ok (self, i) ? btl_axis_map (ya, self->xy[2 * i + 1]) * scale : NAN;
    }
  clip.x = (int) floor (plot->origin.x * scale);
  clip.y = (int) floor (plot->origin.y * scale);
  clip.width = (int) ceil ((plot->origin.x + plot->size.width) * scale) - clip.x;
  clip.height = (int) ceil ((plot->origin.y + plot->size.height) * scale) - clip.y;
  btl_dots_draw (image, xy, self->classes, self->n, colours, n_colours, alpha, radius * scale, &clip);
}

static void draw_overlay (BtlScatterMap         *self,
                          BtlCanvas             *canvas,
                          const BtlAxis         *xa,
                          const BtlAxis         *ya,
                          const graphene_rect_t *plot);

/* The frame, axes, legend and points; with overlay, the selection, the
 * marker and the hover readout on top (an export, or the plain path). */
static void
draw_map_part (GtkWidget *widget,
               BtlCanvas *canvas,
               gboolean   overlay)
{
  BtlScatterMap *self = BTL_SCATTER_MAP (widget);
  BtlAxis xa = { 0 }, ya = { 0 };
  g_autofree BtlLegendItem *legend = NULL;
  g_auto(GStrv) names = NULL;
  double top = 8, right = 0, legend_w = 0;
  gboolean side_legend;
  graphene_rect_t plot;
  cairo_t *cr;
  char buf[32];

  if (self->n == 0)
    {
      self->have_layout = FALSE;
      btl_canvas_placeholder (canvas, _("The latent map appears here once a model is trained"));
      return;
    }

  {
    /* A margin so the outermost points do not sit on the frame. */
    double px = 0.04 * (self->data_max[0] - self->data_min[0]);
    double py = 0.04 * (self->data_max[1] - self->data_min[1]);

    btl_axis_set_range (&xa, self->data_min[0] - px, self->data_max[0] + px, FALSE, FALSE);
    btl_axis_set_range (&ya, self->data_min[1] - py, self->data_max[1] + py, FALSE, FALSE);
  }

  /* Legend: a column on the right when there is room, else rows on top. */
  if (self->n_classes > 0)
    {
      legend = g_new0 (BtlLegendItem, self->n_classes);
      names = g_new0 (char *, self->n_classes + 1);
      for (int c = 0; c < self->n_classes; c++)
        {
          double w;

          names[c] = g_strdup (class_name (self, c, buf, sizeof buf));
          legend[c].label = names[c];
          legend[c].color = btl_chart_color (c);
          legend[c].style = BTL_LEGEND_POINT;
          btl_canvas_text_size (canvas, legend[c].label, 0.85, &w, NULL);
          legend_w = MAX (legend_w, w + 18 + 5 + 8);
        }
    }
  side_legend = legend != NULL && canvas->width >= 480;
  if (side_legend)
    right = legend_w + 12;
  else if (legend != NULL)
    /* Measured with the width it is drawn in below: measured wider, it
     * wrapped into fewer rows than it drew, and the last rows lay over
     * the plot (a 230 px map at the 1024 px window). */
    top = btl_chart_legend (canvas, legend, self->n_classes, 8, 0, canvas->width - 16, FALSE) + 12;

  plot = btl_chart_draw_frame (canvas, &xa, &ya,
                               self->x_label ? self->x_label : _("Dimension 1"),
                               self->y_label ? self->y_label : _("Dimension 2"),
                               top, right);
  if (!canvas->exporting)
    {
      self->xa = xa;
      self->ya = ya;
      self->plot = plot;
      self->have_layout = TRUE;
    }

  if (legend != NULL)
    {
      if (side_legend)
        btl_chart_legend (canvas, legend, self->n_classes, canvas->width - legend_w,
                          plot.origin.y, legend_w - 8, TRUE);
      else
        btl_chart_legend (canvas, legend, self->n_classes, 8, 4, canvas->width - 16, TRUE);
    }

  cr = btl_canvas_cairo (canvas);
  if (canvas->exporting)
    draw_points (self, cr, &xa, &ya, &plot);
  else
    {
      GtkWidget *w = GTK_WIDGET (self);
      int scale = gtk_widget_get_scale_factor (w);
      int width = (int) canvas->width, height = (int) canvas->height;

      if (self->cache == NULL || self->cache_version != self->version
          || self->cache_width != width || self->cache_height != height
          || self->cache_scale != scale
          || !graphene_rect_equal (&self->cache_plot, &plot))
        {
          g_clear_pointer (&self->cache, cairo_surface_destroy);
          self->cache = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
          cairo_surface_set_device_scale (self->cache, scale, scale);
          draw_points_raster (self, self->cache, scale, &xa, &ya, &plot);
          self->cache_version = self->version;
          self->cache_width = width;
          self->cache_height = height;
          self->cache_scale = scale;
          self->cache_plot = plot;
        }
      cairo_set_source_surface (cr, self->cache, 0, 0);
      cairo_paint (cr);
    }

  if (overlay)
    draw_overlay (self, canvas, &xa, &ya, &plot);
}

static void
draw_map (GtkWidget *widget,
          BtlCanvas *canvas)
{
  draw_map_part (widget, canvas, TRUE);
}

/* Selection, marker and hover, on top of the base. */
static void
draw_overlay (BtlScatterMap         *self,
              BtlCanvas             *canvas,
              const BtlAxis         *pxa,
              const BtlAxis         *pya,
              const graphene_rect_t *pplot)
{
  BtlAxis xa = *pxa, ya = *pya;
  graphene_rect_t plot = *pplot;
  cairo_t *cr = btl_canvas_cairo (canvas);
  char buf[32];

  if (self->selected >= 0 && self->selected < self->n && point_ok (self, self->selected))
    {
      double px = btl_axis_map (&xa, self->xy[2 * self->selected]);
      double py = btl_axis_map (&ya, self->xy[2 * self->selected + 1]);
      GdkRGBA c = btl_chart_color (class_of (self, self->selected));

      gdk_cairo_set_source_rgba (cr, &c);
      cairo_arc (cr, px, py, 4.5, 0, 2 * G_PI);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &canvas->fg);
      cairo_set_line_width (cr, 2);
      cairo_arc (cr, px, py, 7, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  if (self->marker_visible && isfinite (self->marker[0]) && isfinite (self->marker[1]))
    {
      double px = btl_axis_map (&xa, self->marker[0]);
      double py = btl_axis_map (&ya, self->marker[1]);

      /* A target: accent ring with a halo so it reads on any cluster. */
      cairo_save (cr);
      cairo_rectangle (cr, plot.origin.x, plot.origin.y, plot.size.width, plot.size.height);
      cairo_clip (cr);
      gdk_cairo_set_source_rgba (cr, &canvas->bg);
      cairo_set_line_width (cr, 5);
      cairo_arc (cr, px, py, 8, 0, 2 * G_PI);
      cairo_stroke (cr);
      gdk_cairo_set_source_rgba (cr, &canvas->accent);
      cairo_set_line_width (cr, 2.5);
      cairo_arc (cr, px, py, 8, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_move_to (cr, px - 13, py);
      cairo_line_to (cr, px - 4, py);
      cairo_move_to (cr, px + 4, py);
      cairo_line_to (cr, px + 13, py);
      cairo_move_to (cr, px, py - 13);
      cairo_line_to (cr, px, py - 4);
      cairo_move_to (cr, px, py + 4);
      cairo_line_to (cr, px, py + 13);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
  if (!canvas->exporting && self->hover >= 0 && self->hover < self->n && point_ok (self, self->hover))
    {
      double px = btl_axis_map (&xa, self->xy[2 * self->hover]);
      double py = btl_axis_map (&ya, self->xy[2 * self->hover + 1]);
      g_autofree char *markup = NULL;
      g_autofree char *escaped = NULL;

      gdk_cairo_set_source_rgba (cr, &canvas->fg);
      cairo_set_line_width (cr, 1.5);
      cairo_arc (cr, px, py, 6, 0, 2 * G_PI);
      cairo_stroke (cr);
      escaped = g_markup_escape_text (class_name (self, class_of (self, self->hover), buf, sizeof buf), -1);
      markup = self->n_classes > 0
        ? g_strdup_printf ("<b>%s</b>  #%d\n(%.3g, %.3g)", escaped, self->hover,
                           self->xy[2 * self->hover], self->xy[2 * self->hover + 1])
        : g_strdup_printf ("<b>#%d</b>\n(%.3g, %.3g)", self->hover,
                           self->xy[2 * self->hover], self->xy[2 * self->hover + 1]);
      btl_chart_readout (canvas, px, py, markup, &plot);
    }
}

/* ---- widget ------------------------------------------------------------ */

/* The base is kept as a render node: a moving marker or the pointer over
 * the map (every frame while a person explores it, once a second while a
 * model trains) then redraws only what is on top. */
static void
btl_scatter_map_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  BtlScatterMap *self = BTL_SCATTER_MAP (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  BtlCanvas canvas;

  btl_canvas_init_snapshot (&canvas, widget, snapshot);
  if (self->base == NULL || self->base_drawn_serial != self->base_serial
      || self->base_width != width || self->base_height != height || self->base_scale != scale
      || !gdk_rgba_equal (&self->base_fg, &canvas.fg) || !gdk_rgba_equal (&self->base_accent, &canvas.accent)
      || self->base_font != pango_font_description_hash (canvas.font))
    {
      GtkSnapshot *scratch = gtk_snapshot_new ();
      BtlCanvas base;

      g_clear_pointer (&self->base, gsk_render_node_unref);
      btl_canvas_init_snapshot (&base, widget, scratch);
      draw_map_part (widget, &base, FALSE);
      btl_canvas_finish (&base);
      self->base = gtk_snapshot_free_to_node (scratch);
      self->base_drawn_serial = self->base_serial;
      self->base_width = width;
      self->base_height = height;
      self->base_scale = scale;
      self->base_fg = canvas.fg;
      self->base_accent = canvas.accent;
      self->base_font = pango_font_description_hash (canvas.font);
      self->n_base_draws++;
    }
  if (self->base != NULL)
    gtk_snapshot_append_node (snapshot, self->base);
  if (self->n > 0 && self->have_layout)
    draw_overlay (self, &canvas, &self->xa, &self->ya, &self->plot);
  btl_canvas_finish (&canvas);
}

static void
btl_scatter_map_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 220 : 200;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 520 : 420;
}

int
btl_scatter_map_point_at (BtlScatterMap *self,
                          double         widget_x,
                          double         widget_y)
{
  double best = HIT_RADIUS * HIT_RADIUS;
  int found = -1;

  g_return_val_if_fail (BTL_IS_SCATTER_MAP (self), -1);

  if (!self->have_layout
      || !graphene_rect_contains_point (&self->plot, &GRAPHENE_POINT_INIT (widget_x, widget_y)))
    return -1;
  /* Linear scan: 10 000 points take a few microseconds. Later points are
   * drawn on top, so they win ties. */
  for (int i = 0; i < self->n; i++)
    {
      double dx, dy, d;

      if (!point_ok (self, i))
        continue;
      dx = btl_axis_map (&self->xa, self->xy[2 * i]) - widget_x;
      dy = btl_axis_map (&self->ya, self->xy[2 * i + 1]) - widget_y;
      d = dx * dx + dy * dy;
      if (d <= best)
        {
          best = d;
          found = i;
        }
    }
  return found;
}

void
btl_scatter_map_data_to_widget (BtlScatterMap *self,
                                double         x,
                                double         y,
                                double        *wx,
                                double        *wy)
{
  g_return_if_fail (BTL_IS_SCATTER_MAP (self));

  if (wx)
    *wx = self->have_layout ? btl_axis_map (&self->xa, x) : NAN;
  if (wy)
    *wy = self->have_layout ? btl_axis_map (&self->ya, y) : NAN;
}

void
btl_scatter_map_widget_to_data (BtlScatterMap *self,
                                double         wx,
                                double         wy,
                                double        *x,
                                double        *y)
{
  g_return_if_fail (BTL_IS_SCATTER_MAP (self));

  if (x)
    *x = self->have_layout ? btl_axis_unmap (&self->xa, wx) : NAN;
  if (y)
    *y = self->have_layout ? btl_axis_unmap (&self->ya, wy) : NAN;
}

static void
set_hover (BtlScatterMap *self,
           int            hover)
{
  if (self->hover == hover)
    return;
  self->hover = hover;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[POINT_HOVERED], 0, hover);
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        BtlScatterMap            *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  if (self->drag_mode != DRAG_POSITION)
    set_hover (self, btl_scatter_map_point_at (self, x, y));
}

static void
leave (GtkEventControllerMotion *controller,
       BtlScatterMap            *self)
{
  set_hover (self, -1);
}

static void
emit_position (BtlScatterMap *self,
               double         wx,
               double         wy)
{
  double x, y;

  /* Keep the position on the map even when the pointer leaves it. */
  wx = CLAMP (wx, self->plot.origin.x, self->plot.origin.x + self->plot.size.width);
  wy = CLAMP (wy, self->plot.origin.y, self->plot.origin.y + self->plot.size.height);
  btl_scatter_map_widget_to_data (self, wx, wy, &x, &y);
  btl_scatter_map_set_marker (self, x, y, TRUE);
  g_signal_emit (self, signals[POSITION_DRAGGED], 0, x, y);
}

static gboolean
near_marker (BtlScatterMap *self,
             double         wx,
             double         wy)
{
  double mx, my;

  if (!self->marker_visible)
    return FALSE;
  btl_scatter_map_data_to_widget (self, self->marker[0], self->marker[1], &mx, &my);
  return (mx - wx) * (mx - wx) + (my - wy) * (my - wy) <= 12 * 12;
}

static void
drag_begin (GtkGestureDrag *gesture,
            double          x,
            double          y,
            BtlScatterMap  *self)
{
  int point;

  self->drag_mode = DRAG_NONE;
  if (!self->have_layout || self->n == 0
      || !graphene_rect_contains_point (&self->plot, &GRAPHENE_POINT_INIT (x, y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_x = x;
  self->drag_y = y;
  point = near_marker (self, x, y) ? -1 : btl_scatter_map_point_at (self, x, y);
  if (point >= 0)
    {
      self->drag_mode = DRAG_CLICK;
      self->drag_point = point;
    }
  else
    {
      self->drag_mode = DRAG_POSITION;
      set_hover (self, -1);
      emit_position (self, x, y);
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
drag_update (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             BtlScatterMap  *self)
{
  /* A press on a point that moves away turns into a drag of the position. */
  if (self->drag_mode == DRAG_CLICK && dx * dx + dy * dy > CLICK_SLOP * CLICK_SLOP)
    self->drag_mode = DRAG_POSITION;
  if (self->drag_mode == DRAG_POSITION)
    emit_position (self, self->drag_x + dx, self->drag_y + dy);
}

static void
drag_end (GtkGestureDrag *gesture,
          double          dx,
          double          dy,
          BtlScatterMap  *self)
{
  if (self->drag_mode == DRAG_CLICK)
    {
      btl_scatter_map_set_selected (self, self->drag_point);
      g_signal_emit (self, signals[POINT_ACTIVATED], 0, self->drag_point);
    }
  self->drag_mode = DRAG_NONE;
}

static void
btl_scatter_map_finalize (GObject *object)
{
  BtlScatterMap *self = BTL_SCATTER_MAP (object);

  g_clear_pointer (&self->cache, cairo_surface_destroy);
  g_clear_pointer (&self->base, gsk_render_node_unref);
  g_free (self->xy);
  g_free (self->classes);
  g_strfreev (self->class_names);
  g_free (self->x_label);
  g_free (self->y_label);

  G_OBJECT_CLASS (btl_scatter_map_parent_class)->finalize (object);
}

static void
btl_scatter_map_class_init (BtlScatterMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = btl_scatter_map_finalize;
  widget_class->snapshot = btl_scatter_map_snapshot;
  widget_class->measure = btl_scatter_map_measure;

  signals[POINT_HOVERED] =
    g_signal_new ("point-hovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[POINT_ACTIVATED] =
    g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[POSITION_DRAGGED] =
    g_signal_new ("position-dragged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  gtk_widget_class_set_css_name (widget_class, "btl-scatter-map");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
btl_scatter_map_init (BtlScatterMap *self)
{
  GtkEventController *motion_controller = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->hover = -1;
  self->selected = -1;

  g_signal_connect (motion_controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (motion_controller, "enter", G_CALLBACK (motion), self);
  g_signal_connect (motion_controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion_controller);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Latent map"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("No points"),
                                  -1);
}

GtkWidget *
btl_scatter_map_new (void)
{
  return g_object_new (BTL_TYPE_SCATTER_MAP, NULL);
}

void
btl_scatter_map_set_points (BtlScatterMap     *self,
                            const float       *xy,
                            const guint8      *classes,
                            int                n,
                            const char *const *class_names)
{
  g_autofree char *description = NULL;

  g_return_if_fail (BTL_IS_SCATTER_MAP (self));
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || xy != NULL);
  g_return_if_fail (n <= 1 << 24);

  g_clear_pointer (&self->xy, g_free);
  g_clear_pointer (&self->classes, g_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  self->n = n;
  self->n_classes = 0;
  self->version++;
  self->base_serial++;
  self->hover = -1;
  if (self->selected >= n)
    self->selected = -1;

  self->data_min[0] = self->data_min[1] = INFINITY;
  self->data_max[0] = self->data_max[1] = -INFINITY;
  if (n > 0)
    {
      self->xy = g_memdup2 (xy, (gsize) n * 2 * sizeof (float));
      for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
          if (isfinite (xy[2 * i + k]))
            {
              self->data_min[k] = MIN (self->data_min[k], xy[2 * i + k]);
              self->data_max[k] = MAX (self->data_max[k], xy[2 * i + k]);
            }
      if (classes != NULL)
        {
          self->classes = g_memdup2 (classes, n);
          for (int i = 0; i < n; i++)
            self->n_classes = MAX (self->n_classes, classes[i] + 1);
        }
    }
  if (class_names != NULL)
    self->class_names = g_strdupv ((char **) class_names);

  description = g_strdup_printf (ngettext ("%d point", "%d points", n), n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_scatter_map_set_axis_labels (BtlScatterMap *self,
                                 const char    *x_label,
                                 const char    *y_label)
{
  g_return_if_fail (BTL_IS_SCATTER_MAP (self));

  g_free (self->x_label);
  g_free (self->y_label);
  self->x_label = g_strdup (x_label);
  self->y_label = g_strdup (y_label);
  self->base_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_scatter_map_set_marker (BtlScatterMap *self,
                            double         x,
                            double         y,
                            gboolean       visible)
{
  g_return_if_fail (BTL_IS_SCATTER_MAP (self));

  self->marker[0] = x;
  self->marker[1] = y;
  self->marker_visible = !!visible;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_scatter_map_set_selected (BtlScatterMap *self,
                              int            index)
{
  g_return_if_fail (BTL_IS_SCATTER_MAP (self));

  if (index < -1 || index >= self->n)
    index = -1;
  if (self->selected == index)
    return;
  self->selected = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
btl_scatter_map_get_selected (BtlScatterMap *self)
{
  g_return_val_if_fail (BTL_IS_SCATTER_MAP (self), -1);

  return self->selected;
}

guint
btl_scatter_map_get_n_base_draws (BtlScatterMap *self)
{
  g_return_val_if_fail (BTL_IS_SCATTER_MAP (self), 0);

  return self->n_base_draws;
}

int
btl_scatter_map_get_n_points (BtlScatterMap *self)
{
  g_return_val_if_fail (BTL_IS_SCATTER_MAP (self), 0);

  return self->n;
}

gboolean
btl_scatter_map_export_png (BtlScatterMap  *self,
                            const char     *path,
                            GError        **error)
{
  g_return_val_if_fail (BTL_IS_SCATTER_MAP (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return btl_chart_export (GTK_WIDGET (self), draw_map, path, FALSE, 640, 520, error);
}
