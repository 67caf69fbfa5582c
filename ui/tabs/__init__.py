"""One module (or package) per tab of the page; each has build(...) that lays it out and wires its events."""
