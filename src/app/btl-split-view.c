/* btl-split-view.c — A/B picture comparison with a draggable divider.
 * See btl-split-view.h. Draws with cairo so that zoomed-in pixels can use
 * nearest-neighbour filtering (GTK 4.8's texture nodes always interpolate). */
#include "config.h"

#include "btl-split-view.h"

#include <math.h>

/* Half-width of the strip around the divider that grabs it, in pixels. */
#define GRAB_MARGIN 8.0

struct _BtlSplitView
{
  GtkWidget         parent_instance;

  /* owned */
  cairo_surface_t  *surface_a;
  cairo_surface_t  *surface_b;
  char             *label_a;
  char             *label_b;

  int               image_width;     /* 0 without a picture */
  int               image_height;
  double            position;        /* divider, fraction of the width */
  double            zoom;            /* 1 = fit */
  double            center_x;        /* picture point at the view's centre */
  double            center_y;

  /* interaction */
  gboolean          dragging_divider;
  double            drag_start_cx;
  double            drag_start_cy;
  double            pointer_x;
  double            pointer_y;
};

enum
{
  PROP_0,
  PROP_POSITION,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BtlSplitView, btl_split_view, GTK_TYPE_WIDGET)

static cairo_surface_t *
surface_from_texture (GdkTexture *texture)
{
  cairo_surface_t *surface;

  if (texture == NULL)
    return NULL;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        gdk_texture_get_width (texture),
                                        gdk_texture_get_height (texture));
  /* gdk_texture_download writes exactly cairo's ARGB32 layout. */
  gdk_texture_download (texture, cairo_image_surface_get_data (surface),
                        cairo_image_surface_get_stride (surface));
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* Scale (screen pixels per picture pixel) and the picture origin on screen. */
static double
view_transform (BtlSplitView *self,
                double       *ox,
                double       *oy)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double fit, scale;

  if (self->image_width <= 0 || w <= 0 || h <= 0)
    {
      *ox = *oy = 0;
      return 1.0;
    }
  fit = MIN (w / self->image_width, h / self->image_height);
  scale = fit * self->zoom;
  *ox = w / 2.0 - self->center_x * scale;
  *oy = h / 2.0 - self->center_y * scale;
  return scale;
}

static void
clamp_center (BtlSplitView *self)
{
  self->center_x = CLAMP (self->center_x, 0.0, (double) self->image_width);
  self->center_y = CLAMP (self->center_y, 0.0, (double) self->image_height);
}

static void
draw_picture (cairo_t         *cr,
              cairo_surface_t *surface,
              double           scale,
              double           ox,
              double           oy,
              double           clip_x0,
              double           clip_x1,
              double           height)
{
  cairo_save (cr);
  cairo_rectangle (cr, clip_x0, 0, clip_x1 - clip_x0, height);
  cairo_clip (cr);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr),
                            scale >= 2.0 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_caption (GtkWidget  *widget,
              cairo_t    *cr,
              const char *text,
              double      x,
              double      y,
              gboolean    right_aligned)
{
  g_autoptr (PangoLayout) layout = NULL;
  int tw, th;

  if (text == NULL || text[0] == '\0')
    return;
  layout = gtk_widget_create_pango_layout (widget, text);
  pango_layout_get_pixel_size (layout, &tw, &th);
  if (right_aligned)
    x -= tw + 8;
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_rectangle (cr, x, y, tw + 8, th + 4);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x + 4, y + 2);
  pango_cairo_show_layout (cr, layout);
}

static void
btl_split_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  BtlSplitView *self = BTL_SPLIT_VIEW (widget);
  double w = gtk_widget_get_width (widget);
  double h = gtk_widget_get_height (widget);
  double ox, oy, scale, dx;
  gboolean have_b;
  cairo_t *cr;

  if (self->surface_a == NULL || w <= 0 || h <= 0)
    return;

  scale = view_transform (self, &ox, &oy);
  have_b = self->surface_b != NULL;
  dx = have_b ? round (self->position * w) : w;

  /* A neutral surround, so letterboxing reads as such on any theme. */
  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0.16f, 0.16f, 0.17f, 1.0f },
                             &GRAPHENE_RECT_INIT (0, 0, w, h));
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw_picture (cr, self->surface_a, scale, ox, oy, 0, dx, h);
  if (have_b)
    {
      draw_picture (cr, self->surface_b, scale, ox, oy, dx, w, h);

      /* The divider: a light line with a dark edge, and a round handle. */
      cairo_set_line_width (cr, 3);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
      cairo_move_to (cr, dx, 0);
      cairo_line_to (cr, dx, h);
      cairo_stroke (cr);
      cairo_set_line_width (cr, 1);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_move_to (cr, dx, 0);
      cairo_line_to (cr, dx, h);
      cairo_stroke (cr);
      cairo_arc (cr, dx, h / 2.0, 9, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
      cairo_stroke (cr);
    }
  draw_caption (widget, cr, self->label_a, 6, 6, FALSE);
  if (have_b)
    draw_caption (widget, cr, self->label_b, w - 6, 6, TRUE);
  cairo_destroy (cr);
}

static void
btl_split_view_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = 120;
  *natural = 480;
}

/* ---------------------------------------------------------------- input */

static gboolean
near_divider (BtlSplitView *self,
              double        x)
{
  double dx = self->position * gtk_widget_get_width (GTK_WIDGET (self));

  return self->surface_b != NULL && fabs (x - dx) <= GRAB_MARGIN;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               BtlSplitView   *self)
{
  if (self->surface_a == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->dragging_divider = near_divider (self, x);
  self->drag_start_cx = self->center_x;
  self->drag_start_cy = self->center_y;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          off_x,
                double          off_y,
                BtlSplitView   *self)
{
  double start_x, start_y, ox, oy, scale;

  gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);
  if (self->dragging_divider)
    {
      double w = gtk_widget_get_width (GTK_WIDGET (self));

      if (w > 0)
        btl_split_view_set_position (self, (start_x + off_x) / w);
      return;
    }
  scale = view_transform (self, &ox, &oy);
  self->center_x = self->drag_start_cx - off_x / scale;
  self->center_y = self->drag_start_cy - off_y / scale;
  clamp_center (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           BtlSplitView             *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                   near_divider (self, x) ? "col-resize"
                                   : self->surface_a != NULL ? "grab" : NULL);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           BtlSplitView             *self)
{
  if (self->surface_a == NULL || dy == 0)
    return FALSE;
  btl_split_view_zoom_at (self, pow (1.25, -dy), self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_click (GtkGestureClick *gesture,
          int              n_press,
          double           x,
          double           y,
          BtlSplitView    *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2)
    btl_split_view_reset_view (self);
}

/* Keyboard: ←/→ move the divider, +/− zoom about the centre, 0 fits. */
static gboolean
key_divider (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  BtlSplitView *self = BTL_SPLIT_VIEW (widget);

  btl_split_view_set_position (self, self->position + g_variant_get_double (args));
  return TRUE;
}

static gboolean
key_zoom (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  BtlSplitView *self = BTL_SPLIT_VIEW (widget);
  double factor = g_variant_get_double (args);

  if (factor <= 0)
    btl_split_view_reset_view (self);
  else
    btl_split_view_zoom_at (self, factor, gtk_widget_get_width (widget) / 2.0,
                            gtk_widget_get_height (widget) / 2.0);
  return TRUE;
}

/* ---------------------------------------------------------------- GObject */

static void
btl_split_view_finalize (GObject *object)
{
  BtlSplitView *self = BTL_SPLIT_VIEW (object);

  g_clear_pointer (&self->surface_a, cairo_surface_destroy);
  g_clear_pointer (&self->surface_b, cairo_surface_destroy);
  g_free (self->label_a);
  g_free (self->label_b);

  G_OBJECT_CLASS (btl_split_view_parent_class)->finalize (object);
}

static void
btl_split_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BtlSplitView *self = BTL_SPLIT_VIEW (object);

  switch (prop_id)
    {
    case PROP_POSITION:
      g_value_set_double (value, self->position);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_split_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BtlSplitView *self = BTL_SPLIT_VIEW (object);

  switch (prop_id)
    {
    case PROP_POSITION:
      btl_split_view_set_position (self, g_value_get_double (value));
      break;
    case PROP_ZOOM:
      btl_split_view_set_zoom (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_split_view_class_init (BtlSplitViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = btl_split_view_finalize;
  object_class->get_property = btl_split_view_get_property;
  object_class->set_property = btl_split_view_set_property;
  widget_class->snapshot = btl_split_view_snapshot;
  widget_class->measure = btl_split_view_measure;

  properties[PROP_POSITION] =
    g_param_spec_double ("position", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, BTL_SPLIT_VIEW_MIN_ZOOM, BTL_SPLIT_VIEW_MAX_ZOOM,
                         1.0, G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, 0, key_divider, "d", -0.05);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Right, 0, key_divider, "d", 0.05);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_plus, 0, key_zoom, "d", 1.25);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_equal, 0, key_zoom, "d", 1.25);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_minus, 0, key_zoom, "d", 0.8);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_0, 0, key_zoom, "d", 0.0);
  gtk_widget_class_set_css_name (widget_class, "btl-split-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
btl_split_view_init (BtlSplitView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *scroll =
    gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

  self->position = 0.5;
  self->zoom = 1.0;

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (click, "pressed", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
btl_split_view_new (void)
{
  return g_object_new (BTL_TYPE_SPLIT_VIEW, NULL);
}

void
btl_split_view_set_images (BtlSplitView *self,
                           GdkTexture   *a,
                           GdkTexture   *b)
{
  int width = 0, height = 0;

  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));
  g_return_if_fail (a == NULL || GDK_IS_TEXTURE (a));
  g_return_if_fail (b == NULL || GDK_IS_TEXTURE (b));

  g_clear_pointer (&self->surface_a, cairo_surface_destroy);
  g_clear_pointer (&self->surface_b, cairo_surface_destroy);
  if (a != NULL)
    {
      width = gdk_texture_get_width (a);
      height = gdk_texture_get_height (a);
      self->surface_a = surface_from_texture (a);
      if (b != NULL && gdk_texture_get_width (b) == width
          && gdk_texture_get_height (b) == height)
        self->surface_b = surface_from_texture (b);
    }
  if (width != self->image_width || height != self->image_height)
    {
      self->image_width = width;
      self->image_height = height;
      btl_split_view_reset_view (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_split_view_set_labels (BtlSplitView *self,
                           const char   *a,
                           const char   *b)
{
  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  g_free (self->label_a);
  g_free (self->label_b);
  self->label_a = g_strdup (a);
  self->label_b = g_strdup (b);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_split_view_set_position (BtlSplitView *self,
                             double        position)
{
  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  position = CLAMP (position, 0.0, 1.0);
  if (position == self->position)
    return;
  self->position = position;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

double
btl_split_view_get_position (BtlSplitView *self)
{
  g_return_val_if_fail (BTL_IS_SPLIT_VIEW (self), 0.5);

  return self->position;
}

void
btl_split_view_set_zoom (BtlSplitView *self,
                         double        zoom)
{
  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  zoom = CLAMP (zoom, BTL_SPLIT_VIEW_MIN_ZOOM, BTL_SPLIT_VIEW_MAX_ZOOM);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

double
btl_split_view_get_zoom (BtlSplitView *self)
{
  g_return_val_if_fail (BTL_IS_SPLIT_VIEW (self), 1.0);

  return self->zoom;
}

void
btl_split_view_set_center (BtlSplitView *self,
                           double        x,
                           double        y)
{
  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  self->center_x = x;
  self->center_y = y;
  clamp_center (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
btl_split_view_get_center (BtlSplitView *self,
                           double       *x,
                           double       *y)
{
  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  if (x != NULL)
    *x = self->center_x;
  if (y != NULL)
    *y = self->center_y;
}

void
btl_split_view_reset_view (BtlSplitView *self)
{
  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  btl_split_view_set_zoom (self, 1.0);
  btl_split_view_set_center (self, self->image_width / 2.0, self->image_height / 2.0);
}

gboolean
btl_split_view_widget_to_image (BtlSplitView *self,
                                double        wx,
                                double        wy,
                                double       *ix,
                                double       *iy)
{
  double ox, oy, scale;

  g_return_val_if_fail (BTL_IS_SPLIT_VIEW (self), FALSE);

  if (self->image_width <= 0)
    return FALSE;
  scale = view_transform (self, &ox, &oy);
  if (ix != NULL)
    *ix = (wx - ox) / scale;
  if (iy != NULL)
    *iy = (wy - oy) / scale;
  return TRUE;
}

void
btl_split_view_zoom_at (BtlSplitView *self,
                        double        factor,
                        double        wx,
                        double        wy)
{
  double ix, iy, ox, oy, scale;

  g_return_if_fail (BTL_IS_SPLIT_VIEW (self));

  if (!btl_split_view_widget_to_image (self, wx, wy, &ix, &iy) || !(factor > 0))
    return;
  btl_split_view_set_zoom (self, self->zoom * factor);
  /* Move the centre so (ix, iy) is again under (wx, wy). */
  scale = view_transform (self, &ox, &oy);
  self->center_x += ix - (wx - ox) / scale;
  self->center_y += iy - (wy - oy) / scale;
  clamp_center (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
