// The latent map explorer, run as gr.HTML's js_on_load (`element`, `props`, `watch`): the pointer (or the arrow keys)
// picks a point of the value's size x size grid over the map, and the decoder's image there is a cell of a sprite
// sheet sent with the value; a click (Enter) shows that point's nearest test images, from a second sheet.
const root = element.querySelector(".explorer");
const area = element.querySelector(".explorer-map");
const picture = element.querySelector(".explorer-picture");
const cursor = element.querySelector(".explorer-cursor");
const decode = element.querySelector(".explorer-decode");
const caption = element.querySelector(".explorer-caption");
const near = element.querySelector(".explorer-near");
const host = element.closest(`[id="${props.widget_id}"]`) || element;  // tests read data-cell and data-near here
let data = null, cell = null;

function sprite(div, url, index, columns, rows) {  // show cell `index` of a sheet of columns x rows cells
  div.style.backgroundImage = `url(${url})`;
  div.style.backgroundSize = `${columns * 100}% ${rows * 100}%`;
  const x = columns > 1 ? (index % columns) / (columns - 1) * 100 : 0;
  const y = rows > 1 ? Math.floor(index / columns) / (rows - 1) * 100 : 0;
  div.style.backgroundPosition = `${x}% ${y}%`;
}

function where(i, j) {  // a grid point's position in the picture, as percentages
  const [left, top, right, bottom] = data.box, n = data.size + 1;
  return [(left + (j + 1) / n * (right - left)) * 100, (top + (i + 1) / n * (bottom - top)) * 100];
}

function show(i, j) {
  const n = data.size;
  i = Math.max(0, Math.min(n - 1, i));
  j = Math.max(0, Math.min(n - 1, j));
  cell = [i, j];
  sprite(decode, data.cells, i * n + j, n, n);
  const text = `${data.model}'s decode at map point (${data.xs[j]}, ${data.ys[i]})`;
  decode.setAttribute("aria-label", text);
  caption.textContent = `(${data.xs[j]}, ${data.ys[i]})`;
  const [x, y] = where(i, j);
  cursor.style.left = `${x}%`;
  cursor.style.top = `${y}%`;
  cursor.style.display = "block";
  host.dataset.cell = `${i},${j}`;  // the decode just shown
}

function neighbours() {
  if (!cell) return;
  const [i, j] = cell, columns = data.thumb_columns, rows = Math.ceil(data.thumb_count / columns);
  near.replaceChildren(...data.near[i][j].map((t, rank) => {
    const figure = document.createElement("figure"), thumb = document.createElement("div");
    const label = document.createElement("figcaption");
    sprite(thumb, data.thumbs, t, columns, rows);
    thumb.setAttribute("role", "img");
    thumb.setAttribute("aria-label", `test image ${rank + 1} nearest the point: ${data.near_classes[t]}`);
    label.textContent = data.near_classes[t];
    figure.append(thumb, label);
    return figure;
  }));
  host.dataset.near = `${i},${j}`;
}

function at(event) {  // the grid point under the pointer, or null outside the map's axes
  const rect = picture.getBoundingClientRect(), [left, top, right, bottom] = data.box, n = data.size + 1;
  const fx = ((event.clientX - rect.left) / rect.width - left) / (right - left);
  const fy = ((event.clientY - rect.top) / rect.height - top) / (bottom - top);
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  return [Math.round(fy * n) - 1, Math.round(fx * n) - 1];
}

function load() {
  try { data = JSON.parse(props.value || "null"); } catch (err) { data = null; }
  cell = null;
  near.replaceChildren();
  root.classList.toggle("explorer-empty", !data);
  delete host.dataset.cell;
  delete host.dataset.near;
  if (!data) { picture.removeAttribute("src"); cursor.style.display = "none"; return; }
  picture.src = data.map;
  picture.alt = `The latent map of ${data.model}: test images as dots coloured by class`;
  new Image().src = data.thumbs;  // decoded before the first click
  const middle = Math.floor(data.size / 2);
  show(middle, middle);
}

area.addEventListener("pointermove", event => { const p = data && at(event); if (p) show(...p); });
area.addEventListener("click", event => { const p = data && at(event); if (p) { show(...p); neighbours(); } });
area.addEventListener("keydown", event => {
  if (!data || !cell) return;
  const moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};
  if (event.key in moves) show(cell[0] + moves[event.key][0], cell[1] + moves[event.key][1]);
  else if (event.key === "Enter" || event.key === " ") neighbours();
  else return;
  event.preventDefault();  // the arrows move the cursor, not the page
});
watch("value", load);
load();
