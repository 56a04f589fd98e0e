/** The one row a table shows when it has loaded and holds nothing; spans all `columns`. */
export function EmptyTableRow({ columns, text }: { columns: number; text: string }) {
  return (
    <tr>
      <td colSpan={columns} className="empty muted small">
        {text}
      </td>
    </tr>
  );
}
