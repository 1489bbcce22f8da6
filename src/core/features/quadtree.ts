/**
 * The Barnes–Hut quadtree of t-SNE's repulsive forces (van der Maaten 2014,
 * "Accelerating t-SNE using Tree-Based Algorithms", §4.2): points in a 2-D
 * map grouped into square cells, each cell holding its points' count and
 * centre of mass, so a far cell acts on a point as one body. Stored in flat
 * typed arrays, rebuilt at every iteration.
 */

/** Deeper than this, coincident points share a leaf instead of splitting it for ever. */
const MAX_DEPTH = 40;

/** A quadtree over n points; {@link repulsion} walks it. */
export class QuadTree {
  private capacity = 0;
  private size = 0;
  private centreX = new Float64Array(0);
  private centreY = new Float64Array(0);
  private half = new Float64Array(0);
  private massX = new Float64Array(0);
  private massY = new Float64Array(0);
  private count = new Int32Array(0);
  /** First of four children, or −1 for a leaf. */
  private child = new Int32Array(0);
  /** The point a leaf holds (the first, when coincident points share it), or −1. */
  private point = new Int32Array(0);
  private stack = new Int32Array(0);

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T) => {
      const b = make(capacity);
      b.set(a.subarray(0, this.size));
      return b;
    };
    this.centreX = copy(this.centreX, (n) => new Float64Array(n));
    this.centreY = copy(this.centreY, (n) => new Float64Array(n));
    this.half = copy(this.half, (n) => new Float64Array(n));
    this.massX = copy(this.massX, (n) => new Float64Array(n));
    this.massY = copy(this.massY, (n) => new Float64Array(n));
    this.count = copy(this.count, (n) => new Int32Array(n));
    this.child = copy(this.child, (n) => new Int32Array(n));
    this.point = copy(this.point, (n) => new Int32Array(n));
    this.capacity = capacity;
  }

  private node(cx: number, cy: number, half: number): number {
    if (this.size === this.capacity) this.grow(Math.max(64, this.capacity * 2));
    const k = this.size++;
    this.centreX[k] = cx;
    this.centreY[k] = cy;
    this.half[k] = half;
    this.massX[k] = 0;
    this.massY[k] = 0;
    this.count[k] = 0;
    this.child[k] = -1;
    this.point[k] = -1;
    return k;
  }

  private quadrant(k: number, x: number, y: number): number {
    return this.child[k]! + (x > this.centreX[k]! ? 1 : 0) + (y > this.centreY[k]! ? 2 : 0);
  }

  private split(k: number): void {
    const h = this.half[k]! / 2;
    const first = this.node(this.centreX[k]! - h, this.centreY[k]! - h, h);
    this.node(this.centreX[k]! + h, this.centreY[k]! - h, h);
    this.node(this.centreX[k]! - h, this.centreY[k]! + h, h);
    this.node(this.centreX[k]! + h, this.centreY[k]! + h, h);
    this.child[k] = first;
  }

  /** Rebuilds the tree over `positions` (x, y pairs). */
  build(positions: Float32Array | Float64Array): void {
    const n = positions.length / 2;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = positions[2 * i]!, y = positions[2 * i + 1]!;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
    this.size = 0;
    const root = this.node((minX + maxX) / 2, (minY + maxY) / 2, Math.max(maxX - minX, maxY - minY, 1e-12) / 2 + 1e-9);
    for (let i = 0; i < n; i++) this.insert(root, i, positions[2 * i]!, positions[2 * i + 1]!, positions);
  }

  private insert(root: number, i: number, x: number, y: number, positions: Float32Array | Float64Array): void {
    let k = root;
    for (let depth = 0; ; depth++) {
      const c = this.count[k]!;
      this.massX[k] = (this.massX[k]! * c + x) / (c + 1);
      this.massY[k] = (this.massY[k]! * c + y) / (c + 1);
      this.count[k] = c + 1;
      if (this.child[k]! >= 0) {
        k = this.quadrant(k, x, y);
        continue;
      }
      if (c === 0) {
        this.point[k] = i;
        return;
      }
      const j = this.point[k]!;
      const jx = positions[2 * j]!, jy = positions[2 * j + 1]!;
      if (depth >= MAX_DEPTH || (jx === x && jy === y)) return;
      // The leaf held one point (its count was 1): move it down, then keep descending with the new one.
      this.split(k);
      this.point[k] = -1;
      const q = this.quadrant(k, jx, jy);
      this.massX[q] = jx;
      this.massY[q] = jy;
      this.count[q] = c;
      this.point[q] = j;
      k = this.quadrant(k, x, y);
    }
  }

  /**
   * Adds to `force` (x, y of point i) the unnormalised repulsion Σ_j q_ij² Z² (y_i − y_j)
   * and returns Σ_j q_ij Z, where q_ij Z = 1 / (1 + ‖y_i − y_j‖²): cells whose width over
   * distance is below `theta` act as one body at their centre of mass.
   */
  repulsion(i: number, x: number, y: number, theta: number, force: Float64Array): number {
    // Locals and a typed stack: this loop is most of t-SNE's time.
    const { count, child, point, massX, massY, half } = this;
    if (this.stack.length < 4 * MAX_DEPTH + 8) this.stack = new Int32Array(4 * MAX_DEPTH + 8);
    const stack = this.stack;
    const theta2 = theta * theta;
    let sumQ = 0;
    let fx = 0, fy = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const k = stack[--top]!;
      let c = count[k]!;
      const first = child[k]!;
      if (first < 0 && point[k] === i) c -= 1;
      if (c === 0) continue;
      const dx = x - massX[k]!, dy = y - massY[k]!;
      const d2 = dx * dx + dy * dy;
      const width = 2 * half[k]!;
      if (first < 0 || width * width < theta2 * d2) {
        const q = 1 / (1 + d2);
        sumQ += c * q;
        const m = c * q * q;
        fx += m * dx;
        fy += m * dy;
      } else {
        stack[top++] = first;
        stack[top++] = first + 1;
        stack[top++] = first + 2;
        stack[top++] = first + 3;
      }
    }
    force[0] = fx;
    force[1] = fy;
    return sumQ;
  }
}
