import type { EmulatedReply, RecordedRequest } from '../../devstack/emulators/anthropic';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './system';

/** The env variables the configured tools' headers name (set in the test process: the worker runs there). */
export const CRM_TOKEN_ENV = 'BELUGA_E2E_CRM_TOKEN';
export const SHOP_KEY_ENV = 'BELUGA_E2E_SHOP_KEY';

/**
 * A config file in which the test account is answered by an agent `orders` with one HTTP tool
 * (`get_order_status`, on `crmUrl`) and one MCP server (`shop`, its `create_ticket` tool), as the
 * README's example has them.
 */
export function ordersAgentConfig(crmUrl: string, shopUrl: string): Record<string, unknown> {
  return {
    agents: [
      {
        id: 'orders',
        name: 'Orders desk',
        instructions: 'You help customers with their orders. Look orders up before answering.',
        greeting: 'Orders desk, how can I help?',
        tools: ['get_order_status', 'mcp:shop/create_ticket'],
      },
    ],
    tools: {
      http: [
        {
          name: 'get_order_status',
          description: "An order's status and delivery date, by order number.",
          method: 'GET',
          url: `${crmUrl}/orders/{{orderId}}`,
          headers: { Authorization: `Bearer \${env:${CRM_TOKEN_ENV}}` },
          input: {
            type: 'object',
            properties: { orderId: { type: 'string', description: 'the order number, e.g. A17' } },
            required: ['orderId'],
          },
          responseFields: ['status', 'eta'],
          timeoutMs: 3000,
        },
      ],
      mcpServers: [{ name: 'shop', url: shopUrl, headers: { 'X-Api-Key': `\${env:${SHOP_KEY_ENV}}` } }],
    },
    twilio: {
      accounts: [{ name: 'default', accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, agent: 'orders' }],
    },
  };
}

/** The tool results the model was given in this request (empty on the first round). */
function toolResults(request: RecordedRequest): string[] {
  const last = request.messages.at(-1);
  if (!last || typeof last.content === 'string') return [];
  return last.content
    .filter((b) => b.type === 'tool_result')
    .map((b) => (typeof b.content === 'string' ? b.content : JSON.stringify(b.content)));
}

/**
 * The model: on the customer's question it calls both tools at once; with their results it answers
 * with what they said (so the reply shows the results reached it).
 */
export function ordersModel(request: RecordedRequest): EmulatedReply {
  const results = toolResults(request);
  if (results.length === 0)
    return {
      blocks: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', name: 'get_order_status', input: { orderId: 'A17' } },
        { type: 'tool_use', name: 'shop__create_ticket', input: { subject: 'Order A17 is late' } },
      ],
    };
  return { blocks: [{ type: 'text', text: `Tool results: ${results.join(' | ')}` }] };
}
