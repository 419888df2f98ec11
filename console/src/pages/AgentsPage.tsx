import { Link } from 'react-router';
import { useAgentList } from '../agents-query';
import { usePageTitle } from '../page-title';
import { Badge, ErrorText, formatDate, Loading } from '../ui';

export function AgentsPage() {
  usePageTitle('Agents');
  const agents = useAgentList();
  return (
    <>
      <h1>Agents</h1>
      <ErrorText error={agents.error} />
      {agents.isPending ? (
        <Loading what="agents" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Agents">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Id</th>
                <th scope="col" className="num">
                  Version
                </th>
                <th scope="col">Defined in</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {(agents.data ?? []).map((a) => (
                <tr key={a.agentId}>
                  <td>
                    <Link to={`/agents/${a.agentId}`}>{a.name}</Link>
                  </td>
                  <td>
                    <code>{a.agentId}</code>
                  </td>
                  <td className="num">{a.version}</td>
                  <td>
                    <Badge>{a.source === 'api' ? 'console/API' : a.source}</Badge>
                  </td>
                  <td>{formatDate(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
