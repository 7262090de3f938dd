/**
 * Draws a laid-out graph (`lib/graphLayout.ts`) as SVG: each box a link (Tab reaches it, Enter opens it) with
 * its lines of text, each edge an arrow. Colours come from the caller with a dashed border as a second cue;
 * the text in the box always says the state, so the graph reads without colour. Wide graphs scroll sideways.
 */
import { edgePath, type GraphLayout, LINE_HEIGHT } from "../lib/graphLayout.ts"

export interface BoxLook {
  readonly href: string
  readonly label: string
  readonly fill: string
  readonly stroke: string
  readonly text: string
  readonly dashed: boolean
  readonly selected?: boolean
}

export const GraphView = ({ layout, look, title }: { layout: GraphLayout; look: (id: string) => BoxLook; title: string }) => (
  <div class="graph-scroll">
    <svg
      class="graph"
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      role="group"
      aria-label={title}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#475569" />
        </marker>
      </defs>
      {layout.edges.map((edge) => (
        <path
          key={`${edge.from}->${edge.to}`}
          d={edgePath(edge.points)}
          class="edge"
          fill="none"
          stroke="#475569"
          stroke-width="1.5"
          stroke-dasharray={edge.dashed === true ? "5 4" : undefined}
          marker-end="url(#arrow)"
        />
      ))}
      {layout.boxes.map((box) => {
        const style = look(box.id)
        return (
          <a key={box.id} href={style.href} class="graph-box" aria-label={style.label} data-id={box.id}>
            <rect
              x={box.x}
              y={box.y}
              width={box.width}
              height={box.height}
              rx="6"
              fill={style.fill}
              stroke={style.stroke}
              stroke-width={style.selected === true ? 4 : 2}
              stroke-dasharray={style.dashed ? "6 3" : undefined}
            />
            {box.lines.map((line, index) => (
              <text
                key={index}
                x={box.x + box.width / 2}
                y={box.y + 10 + LINE_HEIGHT * (index + 0.75)}
                text-anchor="middle"
                fill={style.text}
                font-weight={index === 0 ? "600" : "400"}
              >
                {line}
              </text>
            ))}
          </a>
        )
      })}
    </svg>
  </div>
)
