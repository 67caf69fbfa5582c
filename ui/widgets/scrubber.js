// A scrubber over frames the server sent once: a range input picks a frame, the browser shows its picture. Every
// frame is an <img> of its own, decoded when the frames arrive, all stacked in one place; a swap makes one visible
// and another not, which changes no layout (in the app's large page a change of layout took 30-150 ms a swap).
// Runs as gr.HTML's js_on_load: `element` is the widget's root, `props.value` the frames as JSON, `watch` re-reads
// them when an event fills the widget. No request leaves the page while scrubbing or playing.
const range = element.querySelector("input[type=range]");
const pictures = element.querySelector(".scrub-frames");
const caption = element.querySelector(".scrub-caption");
const play = element.querySelector(".scrub-play");
const root = element.querySelector(".scrub");
const chart = element.querySelector(".scrub-chart img");
const cursor = element.querySelector(".scrub-cursor");
// the block that carries the widget's elem_id (an ancestor of `element`): tests and the benchmark read data-frame there
const host = element.closest(`[id="${props.widget_id}"]`) || element;
let frames = [], shown = null, timer = null, every = 200, curves = null;

function paint(i) {
  const frame = frames[i];
  if (!frame) return;
  const picture = pictures.children[i];
  if (shown && shown !== picture) shown.classList.remove("scrub-frame");
  picture.classList.add("scrub-frame");  // the picture on show: tests read its src and alt
  shown = picture;
  caption.textContent = frame.label;
  range.value = i;
  range.setAttribute("aria-valuetext", frame.label);
  if (curves) {  // the cursor on the chart, at this frame's x
    const [left, top, right, bottom] = curves.box, [from, to] = curves.span;
    const x = left + (frame.at - from) / ((to - from) || 1) * (right - left);
    cursor.style.left = `${x * 100}%`;
    cursor.style.top = `${top * 100}%`;
    cursor.style.height = `${(bottom - top) * 100}%`;
  }
  host.dataset.frame = i;  // the frame just put on the page, for tests and the benchmark
}

function stop() {
  clearInterval(timer);
  timer = null;
  play.textContent = "▶ Play";
  play.setAttribute("aria-pressed", "false");
}

function load() {
  stop();
  let data = null;
  try { data = JSON.parse(props.value || "null"); } catch (err) { data = null; }
  frames = (data && data.frames) || [];
  every = (data && data.every_ms) || 200;
  curves = (data && data.chart) || null;
  root.classList.toggle("scrub-with-chart", Boolean(curves));
  if (curves) { chart.src = curves.src; chart.alt = curves.alt; }
  shown = null;
  pictures.replaceChildren(...frames.map(f => {
    const picture = new Image();
    picture.src = f.src;
    picture.alt = f.alt;
    picture.decode().catch(() => null);  // now, not at the first swap
    return picture;
  }));
  range.max = Math.max(frames.length - 1, 0);
  range.disabled = play.disabled = frames.length === 0;
  root.classList.toggle("scrub-empty", frames.length === 0);
  if (frames.length) paint(data.start ?? frames.length - 1);
  else { caption.textContent = ""; delete host.dataset.frame; }
}

range.addEventListener("input", event => {
  event.stopPropagation();  // the page around the widget has nothing to do with it
  stop();
  paint(Number(range.value));
});
play.addEventListener("click", () => {
  if (timer) return stop();
  if (Number(range.value) >= frames.length - 1) paint(0);
  play.textContent = "⏸ Pause";
  play.setAttribute("aria-pressed", "true");
  timer = setInterval(() => {
    const next = Number(range.value) + 1;
    if (next >= frames.length) stop(); else paint(next);
  }, every);
});
watch("value", load);
load();
